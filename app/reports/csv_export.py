"""CSV export: UTF-8 with BOM, column keys as the header, streamed in chunks."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from app.reports.table import (
    CellValue,
    Column,
    ReportTable,
    is_formula_like,
    normalise_row,
    plain_text,
)

# Excel only reads a CSV as UTF-8 (rather than the ANSI code page, garbling Chinese) with a BOM.
BOM = "\ufeff"

# Rows per yielded chunk: big enough that a streamed response is not thousands of tiny writes,
# small enough that memory stays flat (a few tens of kilobytes per chunk).
ROWS_PER_CHUNK = 500


def csv_cell(column: Column, value: CellValue) -> str:
    """One CSV field: `plain_text`, with text a spreadsheet would run as a formula made inert.

    Only text columns are touched: -5 in a numeric column is a number and must stay one.
    """
    text = plain_text(column, value)
    if column.kind == "text" and is_formula_like(text):
        # The apostrophe is what Excel and LibreOffice themselves use to mean "this is text".
        return "'" + text
    return text


def csv_chunks(table: ReportTable, *, rows_per_chunk: int = ROWS_PER_CHUNK) -> Iterator[bytes]:
    """The table as CSV bytes, a chunk every `rows_per_chunk` rows, for a streamed response.

    The header is the column keys exactly (a public interface); the first chunk starts with the
    UTF-8 byte order mark. Rows are read once, as they are yielded.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow([column.key for column in table.columns])
    pending = 0
    for row in table.rows:
        values = normalise_row(table.columns, row)
        writer.writerow(
            [csv_cell(column, value) for column, value in zip(table.columns, values, strict=True)]
        )
        pending += 1
        if pending >= rows_per_chunk:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    # Always yield the tail, so even an empty report is a header line, never zero bytes.
    yield buffer.getvalue().encode("utf-8")
