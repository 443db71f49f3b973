"""Checksums and date checks of the numbers redaction looks for: Luhn (cards, Swedish
personnummer), ISO 13616 mod-97 (IBANs), the Norwegian fødselsnummer's two mod-11
controls and the Danish CPR number's date. Pure functions, no text scanning."""

from __future__ import annotations

import re
from datetime import date

# ISO 13616 lengths of the IBAN countries feedback is likely to mention.
_IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22,
    "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GI": 23,
    "GL": 18, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21,
    "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28,
    "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "UA": 29,
}  # fmt: skip
_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")
_PNR_SHAPE = re.compile(r"(?:\d{2})?\d{6}[-+ ]?\d{4}")
_FNR_SHAPE = re.compile(r"\d{6}[ \u00a0]?\d{5}")
_CPR_SHAPE = re.compile(r"\d{6}-?\d{4}")

_FNR_WEIGHTS_1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_FNR_WEIGHTS_2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn (mod-10) check.

    Example:
        >>> luhn_valid("4111111111111111"), luhn_valid("4111111111111112")
        (True, False)
    """
    if not digits.isdecimal():
        return False
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    """Whether an IBAN (spaces allowed, any case) passes the ISO 13616 mod-97 check.

    Example:
        >>> iban_valid("SE45 5000 0000 0583 9825 7466"), iban_valid("NO93 8601 1117 948")
        (True, False)
    """
    value = "".join(iban.replace("-", " ").split()).upper()
    if not _IBAN_SHAPE.fullmatch(value):
        return False
    if len(value) != _IBAN_LENGTHS.get(value[:2], len(value)):
        return False
    rearranged = value[4:] + value[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def personnummer_valid(value: str) -> bool:
    """Whether a Swedish personnummer or samordningsnummer is valid.

    Accepts ``YYMMDD-XXXX``, ``YYMMDD+XXXX``, ``YYYYMMDD-XXXX``, ``YYYYMMDDXXXX`` and
    ``YYMMDDXXXX``; checks the date (day + 60 allowed) and the Luhn digit.

    Example:
        >>> personnummer_valid("811218-9876"), personnummer_valid("811218-9875")
        (True, False)
    """
    if not _PNR_SHAPE.fullmatch(value):
        return False
    digits = _digits(value)
    if len(digits) == 12:
        if digits[:2] not in ("18", "19", "20"):
            return False
        year, digits = int(digits[:4]), digits[2:]
    else:
        year = 2000 + int(digits[:2])  # unknown century: a leap year whenever YY % 4 == 0
    day = int(digits[4:6])
    return _date_ok(year, int(digits[2:4]), day - 60 if day > 60 else day) and luhn_valid(digits)


def fodselsnummer_valid(value: str) -> bool:
    """Whether a Norwegian fødselsnummer or D-number is valid (date and both controls).

    Example:
        >>> fodselsnummer_valid("15076500565"), fodselsnummer_valid("15076500566")
        (True, False)
    """
    if not _FNR_SHAPE.fullmatch(value):
        return False
    digits = _digits(value)
    day = int(digits[:2])
    if not _date_ok(2000 + int(digits[4:6]), int(digits[2:4]), day - 40 if day > 40 else day):
        return False
    first = _mod11(digits[:9], _FNR_WEIGHTS_1)
    second = _mod11(digits[:10], _FNR_WEIGHTS_2)
    return first == int(digits[9]) and second == int(digits[10])


def cpr_date_valid(value: str) -> bool:
    """Whether a Danish CPR number (``DDMMYY-XXXX`` or ``DDMMYYXXXX``) has a real date.

    Example:
        >>> cpr_date_valid("150385-1234"), cpr_date_valid("320385-1234")
        (True, False)
    """
    if not _CPR_SHAPE.fullmatch(value):
        return False
    digits = _digits(value)
    return _date_ok(2000 + int(digits[4:6]), int(digits[2:4]), int(digits[:2]))


def _date_ok(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _mod11(digits: str, weights: tuple[int, ...]) -> int | None:
    control = 11 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return None if control == 10 else control % 11


def _digits(value: str) -> str:
    return "".join(char for char in value if char.isdecimal())
