import pytest

from textinsight.errors import ValidationError
from textinsight.ingest import validate


def test_numbers_and_ranges() -> None:
    assert validate.int_field({"nps": "9"}, "nps", 1, 0, 10) == 9
    assert validate.int_field({"nps": 7.0}, "nps", 1, 0, 10) == 7
    assert validate.int_field({"nps": ""}, "nps", 1, 0, 10) is None
    with pytest.raises(ValidationError, match="not a whole number") as err:
        validate.int_field({"nps": "nine"}, "nps", 12, 0, 10)
    assert err.value.line == 12 and err.value.field == "nps"
    with pytest.raises(ValidationError, match="out of range"):
        validate.int_field({"rating": "6"}, "rating", 1, 1, 5)
    assert validate.float_field({"value": "1 234,50"}, "value", 1) == 1234.5


def test_dates() -> None:
    assert validate.date_field({"d": "2026-03-01"}, "d", 1) == "2026-03-01"
    assert validate.date_field({"d": "2026-03-01T10:00:00Z"}, "d", 1) == "2026-03-01T10:00:00+00:00"
    assert validate.date_field({"d": "31/12/2026"}, "d", 1) == "2026-12-31"  # day > 12 (#12)
    assert validate.date_field({"d": "02.12.2026"}, "d", 1) == "2026-12-02"
    with pytest.raises(ValidationError, match="--date-format"):
        validate.date_field({"d": "2/12/2026"}, "d", 1)
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        validate.date_field({"d": "next tuesday"}, "d", 1)


def test_channel_and_language_normalised() -> None:
    assert validate.channel_field({"channel": "Retailer-Note"}, 1, None) == "retailer_note"
    assert validate.channel_field({}, 1, "survey") == "survey"
    with pytest.raises(ValidationError, match="allowed: ticket"):
        validate.channel_field({"channel": "fax"}, 1, None)
    assert validate.language_field({"language": "nb-NO"}, 1) == "no"
    assert validate.language_field({"language": "sv_SE"}, 1) == "sv"


def test_text_required_and_tidied() -> None:
    assert validate.feedback_text({"text": "  two   words \n"}, 1) == "two words"
    with pytest.raises(ValidationError, match="missing or empty") as err:
        validate.feedback_text({"text": "  "}, 5)
    assert err.value.field == "text" and err.value.line == 5


def test_unknown_columns_become_metadata() -> None:
    row = {"text": "x", "order_ref": "A1", "empty": "", "metadata": {"k": 1}}
    assert validate.metadata(row, 1) == {"order_ref": "A1", "k": 1}


def test_customer_and_purchase() -> None:
    c = validate.customer({"customer_id": "c1", "is_member": "ja", "value": "100"}, 2)
    assert c.is_member is True and c.value == 100.0
    with pytest.raises(ValidationError, match="yes/no"):
        validate.customer({"customer_id": "c1", "is_member": "maybe"}, 2)
    with pytest.raises(ValidationError, match="purchased_at"):
        validate.purchase({"customer_id": "c1"}, 3)


@pytest.mark.parametrize(
    ("given", "stored"),
    [("true", 1.0), ("nej", 0.0), ("12,50", 12.5), ("", None), (True, 1.0), (0, 0.0)],
)
def test_purchase_discount_is_a_flag_or_an_amount(given: object, stored: float | None) -> None:
    row = {"customer_id": "c1", "purchased_at": "2024-01-01", "discount": given}
    assert validate.purchase(row, 2).discount == stored


def test_negative_discount_is_rejected() -> None:
    row = {"customer_id": "c1", "purchased_at": "2024-01-01", "discount": "-3"}
    with pytest.raises(ValidationError, match="minimum"):
        validate.purchase(row, 2)
