from pathlib import Path

import pytest

from textinsight.errors import InvalidFileError, ValidationError
from textinsight.ingest.readers import read_rows


def test_csv_rows_carry_their_physical_line(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text('text,channel\n"two\nlines",ticket\nthird,survey\n', encoding="utf-8")
    rows = list(read_rows(path))
    assert [line for line, _ in rows] == [2, 4]
    assert rows[0][1] == {"text": "two\nlines", "channel": "ticket"}


def test_bad_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    # valid UTF-8 (fine-ö) plus one bad byte: damaged UTF-8, not cp1252 (#12)
    path.write_bytes("text\nfine ö\n".encode() + b"bad \xff byte\nok\n")
    rows = list(read_rows(path))
    assert isinstance(rows[1][1], ValidationError)
    assert rows[1][0] == 3 and "UTF-8" in str(rows[1][1])
    assert rows[2][1] == {"text": "ok"}


def test_bom_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes("\ufefftext\nhej\n".encode())
    assert list(read_rows(path)) == [(2, {"text": "hej"})]


def test_wrong_number_of_values(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("text,channel\na,b,c\n", encoding="utf-8")
    ((line, error),) = list(read_rows(path))
    assert line == 2 and isinstance(error, ValidationError) and "3 values" in str(error)


def test_jsonl_errors(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_text('{"text": "a"}\n\n{broken\n[1, 2]\n', encoding="utf-8")
    rows = list(read_rows(path))
    assert rows[0] == (1, {"text": "a"})
    assert rows[1][0] == 3 and "invalid JSON" in str(rows[1][1])
    assert rows[2][0] == 4 and "JSON object" in str(rows[2][1])


@pytest.mark.parametrize("name", ["f.xls", "f"])
def test_unknown_suffix(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text("x")
    with pytest.raises(InvalidFileError, match="unknown file type"):
        read_rows(tmp_path / name)


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(InvalidFileError, match="no such file"):
        read_rows(tmp_path / "absent.csv")
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(InvalidFileError, match="empty"):
        list(read_rows(tmp_path / "e.csv"))
