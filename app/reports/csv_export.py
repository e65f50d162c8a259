"""CSV export: UTF-8 with BOM, column keys as the header, streamed in chunks."""

from __future__ import annotations

from collections.abc import Iterator

from app.reports.table import CellValue, Column, ReportTable, normalise_row, plain_text
from app.web.spreadsheet import ROWS_PER_CHUNK, excel_csv_chunks, inert_text


def csv_cell(column: Column, value: CellValue) -> str:
    """One CSV field: `plain_text`, with text a spreadsheet would run as a formula made inert.

    Only text columns are touched: -5 in a numeric column is a number and must stay one.
    """
    text = plain_text(column, value)
    return inert_text(text) if column.kind == "text" else text


def csv_chunks(table: ReportTable, *, rows_per_chunk: int = ROWS_PER_CHUNK) -> Iterator[bytes]:
    """The table as CSV bytes, a chunk every `rows_per_chunk` rows, for a streamed response.

    The header is the column keys exactly (a public interface); the first chunk starts with the
    UTF-8 byte order mark. Rows are read once, as they are yielded.
    """
    columns = table.columns
    fields = (
        [csv_cell(c, value) for c, value in zip(columns, normalise_row(columns, row), strict=True)]
        for row in table.rows
    )
    header = [column.key for column in columns]
    for chunk in excel_csv_chunks(header, fields, rows_per_chunk=rows_per_chunk):
        yield chunk.encode("utf-8")
