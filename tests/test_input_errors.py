"""Input errors are clear messages with line, field and fix (issue #12): in the library,
the CLI (one line, no traceback) and, in tests/api/test_hardening.py, the API (422)."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from textinsight.cli import cli
from textinsight.errors import InvalidFileError, RowErrors, TextInsightError, ValidationError
from textinsight.ingest.readers import read_rows
from textinsight.pipeline import ingest_file
from textinsight.store import Store


def _ingest(store: Store, path: Path, **kwargs):
    return ingest_file(store, path, **kwargs)


def _first_error(store: Store, path: Path) -> str:
    with pytest.raises(RowErrors) as info:
        _ingest(store, path)
    return str(info.value.errors[0])


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ('{"text": "late", "rating": NaN}', "NaN is not valid JSON"),
        ('{"text": "late", "metadata": {"x": Infinity}}', "Infinity is not valid JSON"),
        ('{"text": "bad \\ud800 surrogate"}', "surrogate"),
        ('{"text": "ok", "customer_id": "c\\udc00"}', "field 'customer_id'"),
        ('{"text": "nul \\u0000 byte"}', "NUL character"),
        ('{"text": "deep", "metadata": ' + '{"a": ' * 500 + "1" + "}" * 500 + "}", "nested"),
        ('{"text": "deep", "x": ' + "[" * 5000 + "]" * 5000 + "}", "nested too deeply"),
        ('{"text": "big", "notes": "' + "y" * 20_000 + '"}', "more than 10000"),
        ('{"text": "ok", "source_id": "' + "s" * 600 + '"}', "more than 500"),
    ],
)
def test_jsonl_rows_name_line_field_and_fix(
    store: Store, tmp_path: Path, line: str, needle: str
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "fine"}\n' + line + "\n", encoding="utf-8")
    message = _first_error(store, path)
    assert message.startswith("line 2") and needle in message
    assert store.feedback.count() == 0


def test_csv_errors(store: Store, tmp_path: Path) -> None:
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(600)) + ",text\n", encoding="utf-8")
    with pytest.raises(InvalidFileError, match="600|601 columns"):
        _ingest(store, wide)
    huge = tmp_path / "huge.csv"
    huge.write_text('text\n"' + "x" * 200_000 + '"\n', encoding="utf-8")
    assert "unclosed quote" in _first_error(store, huge)
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"text\nlate\x00 parcel\n")
    assert "NUL" in _first_error(store, nul)


def test_cr_only_line_endings_are_read(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "mac.csv"
    path.write_bytes(b"text,language\rLate parcel,en\rRude staff,en\r")
    report = _ingest(store, path)
    assert report.inserted == 2


@pytest.mark.parametrize("bom", [True, False])
def test_utf16_is_named(store: Store, tmp_path: Path, bom: bool) -> None:
    path = tmp_path / "u16.csv"
    data = "text\nLeveransen var sen\n".encode("utf-16-le")
    path.write_bytes((b"\xff\xfe" if bom else b"") + data)
    with pytest.raises(InvalidFileError, match="UTF-16"):
        _ingest(store, path)


def test_paths_are_named_for_what_they_are(tmp_path: Path) -> None:
    with pytest.raises(InvalidFileError, match="is a directory"):
        read_rows(tmp_path)
    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    with pytest.raises(InvalidFileError, match="symbolic link loop"):
        read_rows(loop)
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(InvalidFileError, match="named pipe"):
        read_rows(fifo)
    with pytest.raises(InvalidFileError, match="no such file"):
        read_rows(tmp_path / "missing.csv")


def test_cli_channel_error_names_the_option(tmp_path: Path, write_csv) -> None:
    path = write_csv([{"text": "Late parcel", "language": "en"}])
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "x.db"), "ingest", str(path), "--channel", "fax"]
    )
    assert result.exit_code == 1
    assert "--channel 'fax' is not a channel" in result.output and "line" not in result.output


def test_read_commands_on_a_missing_database_say_so(tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    for command in (["themes"], ["runs"], ["lineage"], ["export", "assignments"]):
        result = CliRunner().invoke(cli, ["--db", str(missing), *command])
        assert result.exit_code == 1, command
        assert "No database at" in result.output
    assert not missing.exists()


def test_cli_bad_settings_are_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from textinsight.config import get_settings

    monkeypatch.setenv("TEXTINSIGHT_API_KEYS", "k1:admin")
    get_settings.cache_clear()
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "serve"])
    assert result.exit_code == 1 and "TEXTINSIGHT_API_KEYS has a bad entry" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    monkeypatch.setenv("TEXTINSIGHT_API_KEYS", "shortkey:read")
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "serve"])
    assert "at least 16" in result.output
    monkeypatch.setenv("TEXTINSIGHT_BATCH_SIZE", "0")
    get_settings.cache_clear()
    path = tmp_path / "f.csv"
    path.write_text("text\nLate parcel\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "ingest", str(path)])
    assert result.exit_code == 1 and result.output.startswith("Error: TEXTINSIGHT_BATCH_SIZE")
    get_settings.cache_clear()


_JSON_BITS = st.sampled_from(
    ["NaN", "Infinity", '"\\ud800"', '"\\u0000"', "[" * 300, '{"a":' * 40, '"' + "x" * 300, ","]
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(
        st.one_of(
            st.text(max_size=80),
            st.builds(lambda a, b: '{"text": ' + a + ', "x": ' + b + "}", _JSON_BITS, _JSON_BITS),
        ),
        max_size=6,
    ),
    suffix=st.sampled_from([".jsonl", ".csv"]),
    raw=st.binary(max_size=64),
)
def test_fuzz_readers_only_raise_textinsight_errors(
    tmp_path: Path, lines: list[str], suffix: str, raw: bytes
) -> None:
    path = tmp_path / f"fuzz{suffix}"
    header = "" if suffix == ".jsonl" else "text,notes\n"
    path.write_bytes(header.encode() + "\n".join(lines).encode("utf-8", "surrogatepass") + raw)
    with Store(":memory:") as store:
        with contextlib.suppress(TextInsightError):
            _ingest(store, path, skip_invalid=True)
        for row in store.db.execute("SELECT text, metadata FROM feedback"):
            assert "\x00" not in row[0]
            if row[1] is not None:
                json.loads(row[1], parse_constant=_refuse)  # strict JSON: no NaN/Infinity


def _refuse(name: str) -> None:
    raise AssertionError(f"{name} stored")


def test_validation_error_is_a_textinsight_error() -> None:
    assert issubclass(ValidationError, TextInsightError)
