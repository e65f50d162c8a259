"""Files for Excel: formula-looking text made inert, CSV with a BOM and CRLF, in chunks."""

from __future__ import annotations

import csv
import io

import pytest

from app.web.spreadsheet import excel_csv, excel_csv_chunks, inert_text


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"])
def test_text_that_a_spreadsheet_would_run_gets_an_apostrophe(text):
    assert inert_text(text) == "'" + text


@pytest.mark.parametrize(
    "text",
    [
        "＝1+1",  # full-width equals sign, as a Chinese input method types it
        "＋1",
        "－2",
        "＠SUM(A1)",
        "\u200b=1+1",  # a zero-width space first
        "\ufeff=1+1",  # a BOM first
        "\u200e\u200f@x",  # bidi marks first
    ],
)
def test_a_trigger_behind_invisible_or_full_width_characters_is_caught(text):
    assert inert_text(text) == "'" + text


@pytest.mark.parametrize(
    "text", ["", "王芳", "a=b", "1-2", "'quoted", " =spaced", "\u200b", "张＝三"]
)
def test_other_text_is_left_as_it_is(text):
    assert inert_text(text) == text


def test_excel_csv_starts_with_a_bom_and_ends_lines_with_crlf():
    text = excel_csv(["name", "note"], [["王芳", "a, b"], ["li", 'say "hi"']])
    assert text.startswith("\ufeffname,note\r\n")
    assert text.endswith('\r\nli,"say ""hi"""\r\n')
    assert list(csv.reader(io.StringIO(text.removeprefix("\ufeff")))) == [
        ["name", "note"],
        ["王芳", "a, b"],
        ["li", 'say "hi"'],
    ]


def test_excel_csv_without_rows_is_the_header_line():
    assert excel_csv(["a", "b"], []) == "\ufeffa,b\r\n"


def test_chunks_come_every_n_rows_and_the_bom_only_once():
    chunks = list(excel_csv_chunks(["n"], ([str(i)] for i in range(5)), rows_per_chunk=2))
    assert chunks == ["\ufeffn\r\n0\r\n1\r\n", "2\r\n3\r\n", "4\r\n"]
