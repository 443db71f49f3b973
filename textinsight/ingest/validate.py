"""Turn raw rows into validated records; every error names the field and the fix.

The functions here neither redact nor detect language: they check and normalise
what the user sent. ``line`` is only used to label errors.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from textinsight.errors import ValidationError
from textinsight.ingest.formats import DATE_ORDER, parse_local_date
from textinsight.ingest.limits import check_id, check_metadata, check_string
from textinsight.records import CHANNELS, Customer, Purchase

MAX_TEXT_CHARS = 20_000
LANGUAGE_ALIASES = {
    "nb": "no",
    "nn": "no",
    "nob": "no",
    "nno": "no",
    "nor": "no",
    "swe": "sv",
    "dan": "da",
    "eng": "en",
}
FEEDBACK_FIELDS = (
    "text",
    "source_id",
    "channel",
    "created_at",
    "customer_id",
    "store_id",
    "language",
    "rating",
    "nps",
    "metadata",
)
TRUE = {"true", "1", "yes", "y", "ja", "j", "t"}
FALSE = {"false", "0", "no", "n", "nej", "nei", "f"}


def clean(value: Any) -> Any:
    """Strip strings; empty strings and JSON nulls become ``None``."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def text_field(row: dict[str, Any], name: str, line: int, *, required: bool = False) -> str | None:
    """A string field (numbers are accepted and turned into strings)."""
    value = clean(row.get(name))
    if value is None:
        if required:
            raise ValidationError(
                f"'{name}' is missing or empty; every row needs one", line=line, field=name
            )
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValidationError(f"expected text, got {type(value).__name__}", line=line, field=name)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationError(
            f"{value} is not a value; use text or a finite number", line=line, field=name
        )
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return check_string(text, name, line) if name == "text" else check_id(text, name, line)


def int_field(row: dict[str, Any], name: str, line: int, low: int, high: int) -> int | None:
    """An integer in ``[low, high]`` (``"4"``, ``4`` and ``4.0`` are accepted)."""
    value = clean(row.get(name))
    if value is None:
        return None
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if math.isnan(number) or not number.is_integer():
        raise ValidationError(
            f"'{value}' is not a whole number; use an integer {low}..{high}", line=line, field=name
        )
    if not low <= number <= high:
        raise ValidationError(
            f"{int(number)} is out of range; allowed {low}..{high}", line=line, field=name
        )
    return int(number)


def float_field(
    row: dict[str, Any],
    name: str,
    line: int,
    *,
    required: bool = False,
    minimum: float | None = None,
) -> float | None:
    """A finite number; a decimal comma (``"12,5"``) is accepted."""
    value = clean(row.get(name))
    if value is None:
        if required:
            raise ValidationError(f"'{name}' is missing; give a number", line=line, field=name)
        return None
    try:
        number = (
            float(value.replace(",", ".").replace(" ", ""))
            if isinstance(value, str)
            else float(value)
        )
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise ValidationError(
            f"'{value}' is not a number; write e.g. 1234.50", line=line, field=name
        )
    if minimum is not None and number < minimum:
        raise ValidationError(f"{number} is below the minimum {minimum}", line=line, field=name)
    return number


def date_field(row: dict[str, Any], name: str, line: int, *, required: bool = False) -> str | None:
    """An ISO-8601 date or date-time, normalised (a trailing ``Z`` means UTC)."""
    value = text_field(row, name, line, required=required)
    if value is None:
        return None
    try:
        if len(value) == 10 and value[4] == "-":
            return date.fromisoformat(value).isoformat()
        return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
    except ValueError:
        pass
    try:
        local = parse_local_date(value, DATE_ORDER.get())
    except ValueError as exc:
        reason = (
            str(exc) if "--date-format" in str(exc) else f"'{value}' is not a real date ({exc})"
        )
        raise ValidationError(reason, line=line, field=name) from None
    if local is None:
        raise ValidationError(
            f"'{value}' is not a date; use YYYY-MM-DD (ISO 8601), DD.MM.YYYY or D/M/YYYY",
            line=line,
            field=name,
        )
    return local.isoformat()


def bool_field(row: dict[str, Any], name: str, line: int) -> bool | None:
    """A yes/no value: true/false, 1/0, yes/no, ja/nej/nei."""
    value = clean(row.get(name))
    if value is None or isinstance(value, bool):
        return value
    if str(value).lower() in TRUE:
        return True
    if str(value).lower() in FALSE:
        return False
    raise ValidationError(
        f"'{value}' is not a yes/no value; use true or false", line=line, field=name
    )


def channel_field(row: dict[str, Any], line: int, default: str | None) -> str:
    """The channel, from the row or the default; must be one of ``CHANNELS``."""
    value = text_field(row, "channel", line) or default or "other"
    channel = value.lower().replace("-", "_").replace(" ", "_")
    if channel not in CHANNELS:
        raise ValidationError(
            f"unknown channel '{value}'; allowed: {', '.join(CHANNELS)}", line=line, field="channel"
        )
    return channel


def channel_option(value: str) -> str:
    """The ``--channel`` default for a whole file; the error names the option, not a row."""
    try:
        return channel_field({}, 0, value)
    except ValidationError:
        raise ValidationError(
            f"--channel '{value}' is not a channel; allowed: {', '.join(CHANNELS)}"
        ) from None


def language_field(row: dict[str, Any], line: int) -> str | None:
    """A language code such as ``sv`` or ``sv-SE``, normalised to ``sv``/``no``/``da``/``en``."""
    value = text_field(row, "language", line)
    if value is None:
        return None
    code = value.lower().replace("_", "-").split("-")[0]
    code = LANGUAGE_ALIASES.get(code, code)
    if not (code.isalpha() and 2 <= len(code) <= 3):
        raise ValidationError(
            f"'{value}' is not a language code; use e.g. sv, no, da, en",
            line=line,
            field="language",
        )
    return code


def feedback_text(row: dict[str, Any], line: int) -> str:
    """The required feedback text, with whitespace tidied and a length limit."""
    text = text_field(row, "text", line, required=True)
    assert text is not None
    text = " ".join(text.split())
    if len(text) > MAX_TEXT_CHARS:
        raise ValidationError(
            f"text has {len(text)} characters, more than {MAX_TEXT_CHARS}; split it",
            line=line,
            field="text",
        )
    return text


def metadata(row: dict[str, Any], line: int) -> dict[str, Any]:
    """Unknown columns plus an explicit ``metadata`` object; empty values dropped."""
    extra = {k: clean(v) for k, v in row.items() if k not in FEEDBACK_FIELDS}
    given = row.get("metadata")
    if isinstance(given, dict):
        extra.update(given)
    elif clean(given) is not None:
        raise ValidationError("expected a JSON object", line=line, field="metadata")
    out = {k: v for k, v in extra.items() if v is not None}
    check_metadata(out, line)
    return out


def customer(row: dict[str, Any], line: int) -> Customer:
    """Validate a customers row."""
    customer_id = text_field(row, "customer_id", line, required=True)
    assert customer_id is not None
    return Customer(
        customer_id=customer_id,
        segment=text_field(row, "segment", line),
        is_member=bool_field(row, "is_member", line),
        joined_at=date_field(row, "joined_at", line),
        value=float_field(row, "value", line),
        churned_at=date_field(row, "churned_at", line),
    )


def purchase(row: dict[str, Any], line: int) -> Purchase:
    """Validate a purchases row."""
    customer_id = text_field(row, "customer_id", line, required=True)
    purchased_at = date_field(row, "purchased_at", line, required=True)
    assert customer_id is not None and purchased_at is not None
    return Purchase(
        customer_id=customer_id,
        purchased_at=purchased_at,
        amount=float_field(row, "amount", line),
        discount=discount_field(row, line),
    )


def discount_field(row: dict[str, Any], line: int) -> float | None:
    """The optional ``discount`` of a purchase: true/false (1.0/0.0) or a discount amount."""
    value = clean(row.get("discount"))
    if value is None:
        return None
    if isinstance(value, bool) or str(value).lower() in TRUE | FALSE:
        return 1.0 if bool_field(row, "discount", line) else 0.0
    return float_field(row, "discount", line, minimum=0.0)
