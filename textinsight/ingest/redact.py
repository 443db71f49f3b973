"""Redact personal data (PII) from feedback texts before they are stored or embedded.

Feedback is Swedish, Norwegian, Danish or English. :func:`redact` replaces each hit
with a placeholder from :data:`PLACEHOLDERS` and counts the hits per kind. The
passes run in this order, each on the output of the one before, so a number is
redacted by its most specific kind:

1. ``email``: ``local@domain.tld``; the local part may hold ``. _ % + -`` and
   letters such as å, ä, ö, æ, ø; the domain may have subdomains.
2. ``iban``: country code, 2 check digits and 11-30 letters/digits, compact or in
   groups of 4 split by single spaces. Redacted only when the ISO 13616 mod-97
   check passes and, for countries ``checksums`` knows, the length is right.
3. ``card``: 13-19 digits, compact or grouped 4-4-4-4(-n) or 4-6-4/5 (Amex) with
   one kind of separator (space or dash); first digit not 0; Luhn must pass.
4. ``personnummer`` (SE): ``YYMMDD-XXXX``, ``YYMMDD+XXXX``, ``YYYYMMDD-XXXX``,
   ``YYYYMMDDXXXX``, ``YYMMDDXXXX``; a real date (day + 60 for a
   samordningsnummer; century 18, 19 or 20); Luhn on the 10-digit form. A
   10-digit value is left to a later pass when the word "cpr" is near and it is a
   valid CPR date, or when it is compact, starts with ``07`` (a Swedish mobile)
   and the nearest cue word says phone.
5. ``fodselsnummer`` (NO): ``DDMMYYIIICC`` or ``DDMMYY IIICC``; a real date (day
   + 40 for a D-number) and both mod-11 control digits right.
6. ``cpr`` (DK): ``DDMMYY-XXXX`` or ``DDMMYYXXXX`` with a real date. Modern CPR
   numbers need not pass mod-11, so no checksum is used; instead the dash form is
   always redacted, and the compact form only with a CPR cue ("cpr", "cpr-nr",
   "personnummer", "personnr") within 40 characters before or 20 after. A dash
   form that is also a valid Swedish personnummer is labelled ``personnummer``
   unless "cpr" is near.
7. ``phone``, three rules:

   * international: ``+`` or ``00``, country code, then digit groups split by
     single spaces, dots or dashes, with at most one ``(0)``/``(555)`` group. The
     national number length must fit the country (+46: 7-9 digits, +47 and +45:
     8, +1: 10, +44: 9-10, ...; a written trunk ``0`` is ignored); other
     countries need 8-15 digits in all.
   * Swedish national: ``0`` + area code, optional dash, subscriber digits in
     groups (``070-123 45 67``, ``08-123 456 78``, ``0701234567``), 8-10 digits
     in all, the area code may be in parentheses (``(08) 555 123 45``). A run whose
     nearest cue word before it is a reference word (order, ordre, faktura,
     kundnummer, ...) is left alone.
   * Norwegian/Danish 8 digits, first digit 1-9: always when grouped 2-2-2-2
     (``12 34 56 78``) or 3-2-3 (``912 34 567``); any other layout (``91234567``,
     ``9123 4567``, groups of at least 2 digits) only when a phone cue decides:
     the nearest cue word within 40 characters before must be a phone word (tel,
     tlf, phone, mob, sms, words holding "telefon" or "mobil", forms of "ring" and
     "call", and nummer/nr/number); with no cue word before, the first one within
     20 characters after decides. Reference words (words holding order, ordre,
     faktura, invoice, bestilling, sporing, kvitto, ...; kundnummer, ref, sak,
     postnummer, ...) are cues that say "not a phone"; "nr"/"nummer" right after
     one belongs to it ("ordre nr. 12345678" stays).

   Numbers followed by a currency (``kr``, ``SEK``, ``NOK``, ``DKK``, ``EUR``,
   ``:-``, ``,-``) are never phones.

Every numeric rule needs a clean edge: no letter, digit, ``#``, ``+``, ``@``, ``/``
or currency sign right before it, no ``digit + [.,:/- ]`` right before it (the tail
of a date, time, price or longer number), and no letter, ``%`` or
``[.,:/-] + digit`` right after it. That keeps ``#123456``, ``2024-03-15``,
``15.03.2024``, ``14:30``, ``1 299 kr``, ``2.3.1`` and ``0150 Oslo`` intact. A run
of space-separated digit groups that is too long is cut back at a space to the
longest prefix that still validates (``070-123 45 67 15 mars``).

Obfuscated e-mails are found too (``anna punkt svensson at gmail punkt com``,
``ola(at)gmail.com``, ``jens snabel-a mail.dk``, ``[at]``/``[dot]``); a plain " at "
counts only with a dot written out or in the local part (``bought it at shop.se``
is not an address). Cards may be grouped with dots, IBANs with dashes, a
personnummer with a space (``880101 2090``), international phones may start
``(+46)``. A Luhn-valid number whose nearest card/payment word before it is a
payment reference (OCR, KID, referens, bankgiro, ...) is not a card.

Matching runs on a normalised copy (:func:`normalise`: NFKC, dash and space
variants, zero-width characters dropped); hits are mapped back to the original, so
the text around them keeps its original characters.

Texts with no ``x@y`` skip the plain e-mail pass, texts with no spelled-out "at" or
no top-level domain after a dot the obfuscated one, and texts with no 7
digits close together skip every numeric pass (every numeric kind has such a run), so
most feedback costs microseconds.

Placeholders are never matched again: they hold no digits or ``@``, and cue words
are not read inside ``<...>``, so ``redact`` is idempotent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from textinsight.errors import ValidationError
from textinsight.ingest.checksums import (
    _digits,
    cpr_date_valid,
    fodselsnummer_valid,
    iban_valid,
    luhn_valid,
    personnummer_valid,
)

__all__ = [
    "PLACEHOLDERS",
    "cpr_date_valid",
    "fodselsnummer_valid",
    "iban_valid",
    "luhn_valid",
    "personnummer_valid",
    "redact",
]

PLACEHOLDERS: dict[str, str] = {
    "email": "<EMAIL>",
    "phone": "<PHONE>",
    "personnummer": "<PERSONNUMMER>",
    "fodselsnummer": "<FODSELSNUMMER>",
    "cpr": "<CPR>",
    "card": "<CARD>",
    "iban": "<IBAN>",
}


# Country code -> (min, max) digits of the national number after it.
_NATIONAL_LENGTHS: dict[str, tuple[int, int]] = {
    "1": (10, 10), "31": (9, 9), "33": (9, 9), "34": (9, 9), "44": (9, 10),
    "45": (8, 8), "46": (7, 9), "47": (8, 8), "48": (9, 9), "49": (5, 13),
    "354": (7, 7), "358": (5, 12),
}  # fmt: skip

_SP = r"[ \u00a0]"
_SPACES = " \u00a0"
_NUM_START = r"(?<![\w#+@$£€/])(?<!\d[-.,:/ \u00a0])"
_NUM_END = r"(?![\w%‰]|[-.,:/]\d)"
_NOT_PRICE = rf"(?!{_SP}?(?i:kr\b|sek\b|nok\b|dkk\b|eur\b|euro|usd\b|:-|,-|€|\$))"

_EMAIL = re.compile(
    r"(?<![\w.%+\-])[\w.%+\-]+@(?:[^\W_](?:[\w\-]*[^\W_])?\.)+[^\W\d_]{2,24}(?![\w\-])"
)
# Obfuscated addresses: "anna punkt svensson at gmail punkt com", "ola(at)gmail.com",
# "jens snabel-a mail.dk", "anna [at] example [dot] se".
_ODOT = (
    r"(?:\s*[\(\[\{](?:dot|punkt|prikk|prik)[\)\]\}]\s*"
    r"|\s+(?:dot|punkt|punktum|prikk|prik)\s+|\.)"
)
_OAT = (
    r"(?:\s*[\(\[\{](?:at|a|snabel-?a|alfakrøll)[\)\]\}]\s*"
    r"|\s+(?:at|snabel-?a|snabela|alfakrøll|krøllalfa)\s+|\s+@\s*|\s*@\s+)"
)
_TLDS = r"(?:com|se|no|dk|net|org|nu|fi|de|eu|io|info|uk|is|biz|me|fo|gl)"
_OBFUSCATED_EMAIL = re.compile(
    rf"(?i)(?<![\w.%+\-])(?P<local>[\w+\-]+(?:{_ODOT}[\w+\-]+){{0,3}})(?P<at>{_OAT})"
    rf"(?P<domain>[^\W_][\w\-]*(?:{_ODOT}[^\W_][\w\-]*){{0,3}}{_ODOT}{_TLDS})(?![\w\-])"
)
_ODOT_WORD = re.compile(r"(?i)\b(?:dot|punkt|punktum|prikk|prik)\b")
_AT_HINTS = ("@", " at ", "(a", "[a", "{a", "snabel", "alfakr", "krøllalfa")
_AT_HINT = re.compile("|".join(re.escape(hint) for hint in _AT_HINTS))


# What every address holds: a plain one "x@y", an obfuscated one a top-level domain
# right after a dot or a written-out dot (the end of ``_ODOT``). Texts without them
# skip the e-mail passes: "@USER" mentions and English " at " are common.
_PLAIN_AT = re.compile(r"[\w.%+\-]@[^\W_]")
_TLD_END = re.compile(
    rf"(?i)(?:\.|[\)\]\}}]\s*|(?:dot|punkt|punktum|prikk|prik)\s+){_TLDS}(?![\w\-])"
)


def _maybe_plain_email(text: str) -> bool:
    """A cheap pre-check: could ``text`` hold a plain e-mail address?"""
    return "@" in text and _PLAIN_AT.search(text) is not None


def _maybe_obfuscated_email(text: str) -> bool:
    """A cheap pre-check: could ``text`` hold an obfuscated e-mail address?"""
    return _TLD_END.search(text) is not None and _AT_HINT.search(text.lower()) is not None


_IBAN = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}"
    r"(?:[A-Za-z0-9]{11,30}|(?:[ \u00a0-][A-Za-z0-9]{1,4}){2,8})(?![A-Za-z0-9])"
)
_CARD = re.compile(
    rf"{_NUM_START}(?:\d{{13,19}}"
    r"|\d{4}(?P<s1>[ \u00a0.-])\d{4}(?P=s1)\d{4}(?:(?P=s1)\d{1,4}){1,2}"
    rf"|\d{{4}}(?P<s2>[ \u00a0-])\d{{6}}(?P=s2)\d{{4,5}}){_NUM_END}"
)
_PERSONNUMMER = re.compile(
    rf"{_NUM_START}(?:(?:18|19|20)\d{{6}}|\d{{6}})(?:[-+]|{_SP})?\d{{4}}{_NUM_END}"
)
_FODSELSNUMMER = re.compile(rf"{_NUM_START}\d{{6}}{_SP}?\d{{5}}{_NUM_END}")
_CPR = re.compile(rf"{_NUM_START}\d{{6}}-?\d{{4}}{_NUM_END}")
_PHONE_INTL = re.compile(
    r"(?<![\w+(])(?:(?:\+|00)[1-9]\d{0,14}|\(\+[1-9]\d{0,2}\))"
    rf"(?:{_SP}?\(\d{{1,4}}\){_SP}?\d+)?(?:[ \u00a0.\-]\d+){{0,7}}{_NUM_END}"
)
_PHONE_SE = re.compile(
    rf"(?:{_NUM_START}0[1-9]\d{{0,3}}|(?<![\w(])\(0[1-9]\d{{0,3}}\))"
    rf"(?:{_SP}?[-–]{_SP}?|{_SP})?\d{{2,8}}(?:{_SP}\d{{2,4}}){{0,4}}"
    rf"{_NUM_END}{_NOT_PRICE}"
)
_PHONE_8 = re.compile(rf"{_NUM_START}[1-9](?:{_SP}?\d){{7}}{_NUM_END}{_NOT_PRICE}")

# Cue words (compared lower-case); words inside a placeholder such as <PHONE> are skipped.
_WORD = re.compile(r"(?<![<\w])\w+")
_REF_EXACT = frozenset(
    {"customer", "ref", "refnr", "sak", "saksnummer", "saksnr", "kundnummer", "kundenummer",
     "kundnr", "kundenr", "postnummer", "postnr", "zip"}
)  # fmt: skip
_REF_PARTS = (
    "order", "ordre", "faktura", "invoice", "bestilling", "booking", "bokning", "sporing",
    "tracking", "artikel", "artikkel", "kvitto", "kvittering", "receipt", "referens",
    "referanse", "reference", "ärende",
)  # fmt: skip
_PHONE_EXACT = frozenset(
    {"tel", "telnr", "tlf", "tlfnr", "phone", "mob", "sms", "call", "calls", "called",
     "calling", "ring", "ringa", "ringe", "ringer", "ringes", "ringde", "ringt", "ringte",
     "ringet", "ringede"}
)  # fmt: skip
_PHONE_PARTS = ("telefon", "mobil")
# Phone cues on their own, reference cues right after a reference word ("ordre nr").
_WEAK = frozenset({"nummer", "nummeret", "numret", "nr", "number", "no"})
_PAYMENT_REF = frozenset(
    {"ocr", "kid", "ref", "refnr", "referens", "referanse", "reference", "betalingsreferanse",
     "bankgiro", "plusgiro", "bg", "pg", "meddelande", "melding", "betalingsid", "fik"}
)  # fmt: skip
_CARD_WORDS = frozenset({"visa", "mastercard", "amex", "maestro", "dankort"})
_CPR_CUE = re.compile(r"(?i)(?<![<\w])(?:cpr|personn(?:umme)?r)")
_CPR_WORD = re.compile(r"(?i)(?<![<\w])cpr")
_BEFORE = 40
_AFTER = 20
# Every numeric kind holds at least 7 digits close together (IBANs included): texts
# without such a run skip the numeric passes, which is most feedback.
_SEVEN_DIGITS = re.compile(r"\d(?:[^\w@]{0,3}\d){6}")


def redact(text: str) -> tuple[str, dict[str, int]]:
    """Return (redacted text, counts per kind found, only kinds with count>0).

    Args:
        text: one feedback text.

    Returns:
        The text with every hit replaced by its placeholder, and ``{kind: hits}``.

    Raises:
        ValidationError: ``text`` is not a string.

    Example:
        >>> redact("Ring mig på 070-123 45 67 eller mejla anna@example.se")
        ('Ring mig på <PHONE> eller mejla <EMAIL>', {'email': 1, 'phone': 1})
    """
    if not isinstance(text, str):
        raise ValidationError(
            f"redact() needs a str, got {type(text).__name__}; pass the feedback text as a string"
        )
    normal, origin = normalise(text)
    counts: dict[str, int] = {}
    hits: list[tuple[int, int, str]] = []
    masked = normal
    if _maybe_plain_email(masked):
        masked = _apply(_RULES[0], masked, hits)
    if _maybe_obfuscated_email(masked):
        masked = _apply(_RULES[1], masked, hits)
    if _SEVEN_DIGITS.search(masked):
        for rule in _RULES[2:]:
            masked = _apply(rule, masked, hits)
    if not hits:
        return text, counts
    parts: list[str] = []
    pos = 0
    for start, end, kind in sorted(hits):
        first, last = origin[start], origin[end - 1] + 1
        parts += [text[pos:first], PLACEHOLDERS[kind]]
        pos = last
        counts[kind] = counts.get(kind, 0) + 1
    return "".join(parts) + text[pos:], dict(sorted(counts.items()))


# Characters that change how a number or address reads without changing what it is:
# dashes (Word's autocorrected en dash), spaces (narrow/thin/figure no-break spaces),
# and invisible ones (zero-width space/joiners, soft hyphen, BOM) that are dropped.
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_SPACE_LIKE = "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_TRANSLATE = {ord(c): "-" for c in _DASHES} | {ord(c): " " for c in _SPACE_LIKE}
_TRANSLATE |= {ord(c): "" for c in _INVISIBLE}
_PLAIN = re.compile(rf"[^{_DASHES}{_SPACE_LIKE}{_INVISIBLE}\uff01-\uff5e]*")


def normalise(text: str) -> tuple[str, Sequence[int]]:
    """The text PII is matched in, and for each of its characters the original index.

    NFKC per character (fullwidth digits and letters become ASCII), every dash variant
    becomes ``-``, every space variant a space, and zero-width characters and soft
    hyphens are dropped. Redaction maps hits back to the original text, so text
    around them keeps its original characters.

    Example:
        >>> normalise("07０\u200b-1")[0]
        '070-1'
    """
    if _PLAIN.fullmatch(text) and unicodedata.is_normalized("NFKC", text):
        return text, range(len(text))
    chars: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        mapped = unicodedata.normalize("NFKC", char.translate(_TRANSLATE))
        chars.append(mapped)
        origin.extend([i] * len(mapped))
    return "".join(chars), origin


@dataclass(frozen=True)
class _Rule:
    """One pass: candidates from ``pattern``; ``accept`` gives the end to redact or None."""

    kind: str
    pattern: re.Pattern[str]
    accept: Callable[[str, re.Match[str]], int | None]


def _apply(rule: _Rule, text: str, hits: list[tuple[int, int, str]]) -> str:
    """Record ``rule``'s hits in ``hits`` and return ``text`` with each one masked.

    A mask keeps the length (so positions stay those of the normalised text) and, like
    a placeholder, holds no digit or ``@`` and starts with ``<``, so later passes
    neither match it nor read cue words inside it.
    """
    parts: list[str] = []
    pos = 0
    for match in rule.pattern.finditer(text):
        end = rule.accept(text, match)
        if end is None:
            continue
        start = match.start()
        parts += [text[pos:start], _mask(end - start)]
        hits.append((start, end, rule.kind))
        pos = end
    if not parts:
        return text
    return "".join(parts) + text[pos:]


def _mask(n: int) -> str:
    return "<" + "X" * max(n - 2, 0) + ">" if n >= 2 else "X"


def _longest_valid(
    text: str, match: re.Match[str], ok: Callable[[str], bool], seps: str = _SPACES
) -> int | None:
    """End of the longest prefix of ``match``, cut at a separator, that ``ok`` accepts."""
    span = match.group()
    cuts = [i for i, char in enumerate(span) if char in seps]
    for end in [len(span), *reversed(cuts)]:
        if ok(span[:end]):
            return match.start() + end
    return None


def _cue_kind(word: str) -> str | None:
    if word in _REF_EXACT or any(part in word for part in _REF_PARTS):
        return "ref"
    if word in _PHONE_EXACT or any(part in word for part in _PHONE_PARTS):
        return "phone"
    return None


def _cues(text: str, start: int, end: int) -> list[str]:
    """Kinds ("ref" or "phone") of the cue words in ``text[start:end]``, in order."""
    kinds: list[str] = []
    previous = None
    for found in _WORD.finditer(text, max(0, start), end):
        word = found.group().lower()
        if word in _WEAK:
            kind = "ref" if previous == "ref" else ("phone" if word != "no" else None)
        else:
            kind = _cue_kind(word)
        if kind:
            kinds.append(kind)
        previous = kind
    return kinds


def _nearest_cue_before(text: str, start: int) -> str | None:
    kinds = _cues(text, start - _BEFORE, start)
    return kinds[-1] if kinds else None


def _cue_says_phone(text: str, start: int, end: int) -> bool:
    before = _nearest_cue_before(text, start)
    if before is not None:
        return before == "phone"
    after = _cues(text, end, end + _AFTER)
    return bool(after) and after[0] == "phone"


def _near(cue: re.Pattern[str], text: str, match: re.Match[str]) -> bool:
    start, end = match.span()
    return bool(
        cue.search(text, max(0, start - _BEFORE), start) or cue.search(text, end, end + _AFTER)
    )


def _accept_always(text: str, match: re.Match[str]) -> int | None:
    return match.end()


def _accept_obfuscated_email(text: str, match: re.Match[str]) -> int | None:
    """A plain " at " counts only with a dot written out or in the
    local part ("bought it at elgiganten.se" is a shop, not an address)."""
    if match.group("at").strip().lower() != "at":
        return match.end()
    local, domain = match.group("local"), match.group("domain")
    spelled = re.search(rf"(?i){_ODOT}", domain.replace(".", " "))
    return match.end() if ("." in local or _ODOT_WORD.search(local) or spelled) else None


def _accept_iban(text: str, match: re.Match[str]) -> int | None:
    return _longest_valid(text, match, iban_valid, seps=_SPACES + "-")


def _card_ok(value: str) -> bool:
    digits = _digits(value)
    return 13 <= len(digits) <= 19 and digits[0] != "0" and luhn_valid(digits)


def _accept_card(text: str, match: re.Match[str]) -> int | None:
    if _payment_reference(text, match.start()):
        return None
    return _longest_valid(text, match, _card_ok, seps=_SPACES + "-.")


def _payment_reference(text: str, start: int) -> bool:
    """Whether the nearest card or payment-reference word before ``start`` names a
    payment reference (a Swedish OCR number or Norwegian KID is often Luhn-valid)."""
    for found in reversed(list(_WORD.finditer(text, max(0, start - _BEFORE), start))):
        word = found.group().lower()
        if word in _PAYMENT_REF or word.startswith(
            ("ocr", "kid", "betalningsref", "betalingsref", "referen", "referan")
        ):
            return True
        if word in _CARD_WORDS or any(part in word for part in ("kort", "card")):
            return False
    return False


def _accept_personnummer(text: str, match: re.Match[str]) -> int | None:
    value = match.group()
    if not personnummer_valid(value):
        return None
    digits = _digits(value)
    if len(digits) == 10:
        if cpr_date_valid(digits) and _near(_CPR_WORD, text, match):
            return None
        if value == digits and digits.startswith("07") and _cue_says_phone(text, *match.span()):
            return None
    return match.end()


def _accept_fodselsnummer(text: str, match: re.Match[str]) -> int | None:
    return match.end() if fodselsnummer_valid(match.group()) else None


def _accept_cpr(text: str, match: re.Match[str]) -> int | None:
    value = match.group()
    if cpr_date_valid(value) and ("-" in value or _near(_CPR_CUE, text, match)):
        return match.end()
    return None


def _intl_ok(value: str) -> bool:
    digits = _digits(value.replace("(0)", "", 1))
    if value.startswith("00"):
        digits = digits[2:]
    for size in (1, 2, 3):
        lengths = _NATIONAL_LENGTHS.get(digits[:size])
        if lengths:
            national = digits[size:]
            national = national[1:] if national.startswith("0") else national
            return lengths[0] <= len(national) <= lengths[1]
    return 8 <= len(digits) <= 15


def _accept_phone_intl(text: str, match: re.Match[str]) -> int | None:
    return _longest_valid(text, match, _intl_ok)


def _se_ok(value: str) -> bool:
    return 8 <= len(_digits(value)) <= 10


def _accept_phone_se(text: str, match: re.Match[str]) -> int | None:
    end = _longest_valid(text, match, _se_ok)
    if end is None:
        return None
    return None if _nearest_cue_before(text, match.start()) == "ref" else end


def _accept_phone_8(text: str, match: re.Match[str]) -> int | None:
    groups = tuple(len(group) for group in match.group().split())
    if groups in ((2, 2, 2, 2), (3, 2, 3)):
        return match.end()
    if min(groups) >= 2 and _cue_says_phone(text, *match.span()):
        return match.end()
    return None


_RULES: tuple[_Rule, ...] = (
    _Rule("email", _EMAIL, _accept_always),  # these two first: only run with an "at"
    _Rule("email", _OBFUSCATED_EMAIL, _accept_obfuscated_email),
    _Rule("iban", _IBAN, _accept_iban),
    _Rule("card", _CARD, _accept_card),
    _Rule("personnummer", _PERSONNUMMER, _accept_personnummer),
    _Rule("fodselsnummer", _FODSELSNUMMER, _accept_fodselsnummer),
    _Rule("cpr", _CPR, _accept_cpr),
    _Rule("phone", _PHONE_INTL, _accept_phone_intl),
    _Rule("phone", _PHONE_SE, _accept_phone_se),
    _Rule("phone", _PHONE_8, _accept_phone_8),
)
