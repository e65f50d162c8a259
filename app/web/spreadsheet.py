"""Files people open in Excel: CSV text Excel reads as UTF-8, and text it never runs as a formula.

Used by the activation codes file (app.imports) and the report downloads (app.reports); it imports
neither, so both can share it without depending on each other.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator, Sequence

# Excel only reads a CSV as UTF-8 (rather than the ANSI code page, garbling Chinese) with a BOM.
BOM = "\ufeff"

# A spreadsheet runs a cell starting with one of these as a formula (or DDE command): OWASP's list.
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

# Rows per yielded chunk: big enough that a streamed response is not thousands of tiny writes,
# small enough that memory stays flat (a few tens of kilobytes per chunk).
ROWS_PER_CHUNK = 500


def runs_as_formula(text: str) -> bool:
    """Whether a spreadsheet could take the cell for a formula.

    Invisible format characters before the trigger (a zero-width space, a BOM, a bidi mark) do
    not protect it, and neither does writing the trigger full-width (`＝`, `＋`, `－`, `＠`), which
    Chinese input methods type and some spreadsheets fold to the ASCII sign.
    """
    for character in text:
        if unicodedata.category(character) == "Cf":
            continue
        return unicodedata.normalize("NFKC", character).startswith(FORMULA_TRIGGERS)
    return False


def inert_text(text: str) -> str:
    """The text with a leading apostrophe if a spreadsheet would otherwise run it as a formula.

    The apostrophe is what Excel and LibreOffice themselves use to mean "this is text". Only for
    text cells: -5 in a numeric column is a number and must stay one.
    """
    return "'" + text if runs_as_formula(text) else text


def excel_csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[str]], *, rows_per_chunk: int = ROWS_PER_CHUNK
) -> Iterator[str]:
    """CSV text for Excel: a BOM, the header, then the rows, with CRLF line ends.

    Yields a chunk every `rows_per_chunk` rows (the header does not count), reading `rows` once, so
    a streamed download stays flat in memory; the last chunk is always yielded, so even no rows
    give the BOM and the header line. The caller makes text cells inert (`inert_text`).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(header)
    pending = 0
    for row in rows:
        writer.writerow(row)
        pending += 1
        if pending >= rows_per_chunk:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue()


def excel_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """The whole CSV text for Excel at once (see `excel_csv_chunks`), for a small file."""
    return "".join(excel_csv_chunks(header, rows))
