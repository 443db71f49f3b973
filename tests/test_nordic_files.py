"""Files as Nordic offices export them (issue #12): semicolon CSV, cp1252, BOM, .xlsx,
day-first dates, ``Text`` headers; options where detection is not safe."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from textinsight.cli import cli
from textinsight.errors import RowErrors, ValidationError
from textinsight.ingest.formats import FileOptions, detect_encoding, sniff_delimiter
from textinsight.pipeline import ingest_file
from textinsight.store import Store

ROWS = [
    ["Text", "Kanal", "Created_At", "Language"],
    ["Leveransen var sen; paketet krossat", "butik", "02.12.2026", "sv"],
    ["Kjøpte jakke, ærlig talt dårlig", "nett", "2/12/2026", "no"],
    ["Dårlig service på Østerbro", "butik", "24/11/2026", "da"],
]


def _write(path: Path, rows: list[list[str]], encoding: str, delimiter: str) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter, dialect="excel").writerows(rows)
    return path


def _texts(store: Store) -> list[tuple[str, str | None]]:
    return [(f.text, f.created_at) for f in store.feedback.all()]


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ";"), ("utf-8-sig", ";"), ("cp1252", ";"), ("latin-1", ";"), ("cp1252", ",")],
)
def test_excel_csv_dialects_ingest_without_options(
    store: Store, tmp_path: Path, encoding: str, delimiter: str
) -> None:
    path = _write(tmp_path / "export.csv", ROWS, encoding, delimiter)
    ingest_file(store, path, options=FileOptions(date_order="dayfirst"))
    assert _texts(store) == [
        ("Leveransen var sen; paketet krossat", "2026-12-02"),
        ("Kjøpte jakke, ærlig talt dårlig", "2026-12-02"),
        ("Dårlig service på Østerbro", "2026-11-24"),
    ]
    meta = store.db.execute("SELECT metadata FROM feedback ORDER BY id").fetchone()[0]
    assert '"Kanal": "butik"' in meta


def test_ambiguous_slashed_dates_ask_for_the_option(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path / "export.csv", ROWS, "utf-8", ";")
    with pytest.raises(RowErrors, match="--date-format dayfirst"):
        ingest_file(store, path)
    us = _write(tmp_path / "us.csv", ROWS[:3], "utf-8", ";")
    ingest_file(store, us, options=FileOptions(date_order="monthfirst"))
    assert _texts(store)[1][1] == "2026-02-12"


def test_cp1252_is_detected_and_damaged_utf8_is_not_guessed(tmp_path: Path) -> None:
    clean = tmp_path / "cp.csv"
    clean.write_bytes("text\nBlåbär och smörgås\n".encode("cp1252"))
    assert detect_encoding(clean) == "cp1252"
    mixed = tmp_path / "mixed.csv"
    mixed.write_bytes("text\nBlåbär\n".encode() + "smörgås\n".encode("cp1252"))
    assert detect_encoding(mixed) == "utf-8"  # its bad line is reported, never re-guessed


def test_damaged_utf8_line_is_an_error_naming_encoding(store: Store, tmp_path: Path) -> None:
    mixed = tmp_path / "mixed.csv"
    mixed.write_bytes("text\nBlåbär\n".encode() + "smörgås\n".encode("cp1252"))
    with pytest.raises(RowErrors, match="line 3.*--encoding"):
        ingest_file(store, mixed)


def test_xlsx_written_by_openpyxl(store: Store, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["TEXT", "Customer_ID", "created_at", "Rating"])
    sheet.append(["Fin levering, tack", "c-1", datetime(2026, 12, 2), 5])
    sheet.append(["Kassan var stängd", "c-2", "02.12.2026", 2])
    sheet.append([None, None, None, None])
    path = tmp_path / "book.xlsx"
    book.save(path)
    report = ingest_file(store, path, channel="survey")
    assert report.inserted == 2
    stored = store.feedback.all()
    assert [(f.text, f.customer_id, f.created_at, f.rating) for f in stored] == [
        ("Fin levering, tack", "c-1", "2026-12-02", 5),
        ("Kassan var stängd", "c-2", "2026-12-02", 2),
    ]


def test_customers_semicolon_file_with_decimal_commas(store: Store, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "kunder.csv",
        [
            ["Customer_ID", "Segment", "Value", "Joined_At"],
            ["c-1", "Guld", "1 234,50", "01.02.2025"],
        ],
        "cp1252",
        ";",
    )
    assert ingest_file(store, path, "customers").inserted == 1
    (customer,) = store.customers.all_customers()
    assert (customer.segment, customer.value, customer.joined_at) == ("Guld", 1234.5, "2025-02-01")


def test_options_and_their_errors(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path / "pipe.csv", [["text", "x"], ["a|b", "1"]], "utf-8", ",")
    ingest_file(store, path, options=FileOptions(delimiter=","))
    assert store.feedback.all()[0].text == "a|b"
    with pytest.raises(ValidationError, match="--encoding 'klingon'"):
        FileOptions(encoding="klingon")
    with pytest.raises(ValidationError, match="--delimiter"):
        FileOptions(delimiter=";;")
    assert sniff_delimiter("text") == "," and sniff_delimiter("a\tb\tc") == "\t"


def test_cli_options(tmp_path: Path) -> None:
    path = _write(tmp_path / "export.csv", ROWS, "cp1252", ";")
    db = str(tmp_path / "x.db")
    result = CliRunner().invoke(cli, ["--db", db, "ingest", str(path), "--date-format", "dayfirst"])
    assert result.exit_code == 0 and "inserted 3" in result.output, result.output
    result = CliRunner().invoke(cli, ["--db", db, "ingest", str(path), "--encoding", "nope"])
    assert result.exit_code == 1 and "--encoding 'nope'" in result.output
