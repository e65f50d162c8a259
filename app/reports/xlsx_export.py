"""XLSX export: a write-only openpyxl workbook, so memory stays flat however many rows.

Layout: the first sheet, named after the report, is a plain table (header in row 1, frozen, with an
autofilter) so spreadsheets, pandas and Power Query read it without skipping lines; the second
sheet, "About", carries the title and the meta lines (unit, filters, time of generation).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from itertools import chain, islice
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from app.reports.table import CellValue, Column, ReportTable, normalise_row, plain_text
from app.web.text_width import display_width

SHEET_NAME_MAX = 31
# Characters Excel refuses in a sheet name.
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Excel's cell limit; longer text would make Excel "repair" (truncate) the file on opening.
CELL_TEXT_MAX = 32_767
# Rows looked at before writing to size the columns: bounded, so streaming stays flat.
WIDTH_SAMPLE_ROWS = 200
MIN_WIDTH, MAX_WIDTH = 8, 60

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="E8EAED")
_HEADER_ALIGNMENT = Alignment(vertical="top", wrap_text=True)
_TITLE_FONT = Font(bold=True, size=14)
_LABEL_FONT = Font(bold=True)


def _without_forbidden(title: str) -> str:
    """The title with the characters Excel refuses in a sheet name made spaces, and runs of
    spaces made one."""
    return " ".join(_SHEET_NAME_FORBIDDEN.sub(" ", title).split())


def sheet_name(title: str, *, fallback: str = "Report") -> str:
    """A valid Excel sheet name from a report title: no []:*?/\\, at most 31 characters."""
    name = _without_forbidden(title)[:SHEET_NAME_MAX]
    # Excel also refuses a leading or trailing apostrophe, and reserves "History".
    name = name.strip("' ")
    if not name or name.lower() == "history":
        return fallback
    return name


def number_format(column: Column) -> str | None:
    """The Excel number format for a column kind (None: General)."""
    decimals = "." + "0" * column.places if column.places else ""
    return {
        "int": "#,##0",
        "float": "#,##0" + decimals,
        "percent": "0" + decimals + "%",
        "date": "yyyy-mm-dd",
        "datetime": "yyyy-mm-dd hh:mm",
    }.get(column.kind)


def _column_widths(columns: Sequence[Column], sample: Sequence[Sequence[CellValue]]) -> list[int]:
    """Widths from the header labels and the first rows, clamped to a readable range."""
    widths = []
    for index, column in enumerate(columns):
        texts = [plain_text(column, row[index]) for row in sample]
        # Labels may wrap onto two lines in the header, so they count for half.
        longest = max([display_width(column.label) // 2, *map(display_width, texts)])
        if column.kind == "percent":
            longest += 1  # the "%" Excel adds
        widths.append(max(MIN_WIDTH, min(MAX_WIDTH, longest + 2)))
    return widths


def _xlsx_value(column: Column, value: CellValue) -> CellValue:
    """The value as Excel stores it: percent as a fraction, datetimes without a zone."""
    if value is None:
        return None
    if column.kind == "percent" and isinstance(value, float):
        # Round as the CSV does, so sums in Excel match the CSV to the digit.
        return round(round(value, column.places) / 100, column.places + 2)
    if column.kind == "float" and isinstance(value, float):
        return round(value, column.places)
    if column.kind == "datetime" and isinstance(value, datetime):
        # Excel has no time zones: keep the wall-clock time of the zone the caller chose.
        return value.replace(tzinfo=None)
    return value


def _text_cell(sheet: WriteOnlyWorksheet, text: str) -> Cell:
    """A string cell, whatever the text starts with.

    openpyxl guesses the type from the value: "=cmd|..." would become a formula and "#N/A" an
    error. Setting the type afterwards keeps the text an inline string no spreadsheet evaluates.
    """
    # XML reads a bare CR back as LF anyway: normalising here makes that a decision, not luck.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", text)[:CELL_TEXT_MAX])
    cell.data_type = "s"
    return cell


def _data_cells(
    sheet: WriteOnlyWorksheet, columns: Sequence[Column], formats: Sequence[str | None], row: Any
) -> Iterator[Cell | CellValue]:
    """One row of cells: typed values, number formats, and text that can never be a formula."""
    for column, fmt, value in zip(columns, formats, row, strict=True):
        stored = _xlsx_value(column, value)
        if stored is None:
            yield None
        elif column.kind == "text":
            yield _text_cell(sheet, str(stored))
        else:
            cell = WriteOnlyCell(sheet, value=stored)
            cell.number_format = fmt or "General"
            yield cell


def write_xlsx(
    table: ReportTable,
    fileobj: IO[bytes],
    *,
    about_sheet: str = "About",
    max_rows: int | None = None,
    truncated_note: str = "",
) -> int:
    """Write the table as an .xlsx workbook to a binary file object; return the rows written.

    Numeric cells for int, float and percent (percent as a fraction with a '0.0%' format), real
    date cells, a frozen header row, an autofilter over the data and sized columns. Text is always a
    string cell. `about_sheet` is the (translated) name of the sheet holding title and meta lines.
    With `max_rows`, at most that many rows are written; if there were more, `truncated_note`
    ("{shown}" replaced by the number written) heads the About sheet, which then opens first.
    """
    workbook = Workbook(write_only=True)
    workbook.properties.title = table.title
    data_name = sheet_name(table.title)
    if table.sheet and len(_without_forbidden(table.title)) > SHEET_NAME_MAX:
        data_name = sheet_name(table.sheet)  # the title would be cut: the short name reads whole
    if data_name == sheet_name(about_sheet):
        data_name = "Report" if data_name != "Report" else "Data"
    sheet = workbook.create_sheet(data_name)
    about = workbook.create_sheet(sheet_name(about_sheet, fallback="About"))

    columns = table.columns
    rows = (normalise_row(columns, row) for row in table.rows)
    sample = list(islice(rows, WIDTH_SAMPLE_ROWS))
    # The sheet's head (views, column widths) is written with the first row: set it up now.
    for index, width in enumerate(_column_widths(columns, sample), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"

    header = []
    for column in columns:
        cell = _text_cell(sheet, column.label)
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGNMENT
        header.append(cell)
    sheet.append(header)

    formats = [number_format(column) for column in columns]
    count = 0
    every = chain(sample, rows)
    for row in every if max_rows is None else islice(every, max_rows):
        sheet.append(list(_data_cells(sheet, columns, formats, row)))
        count += 1
    last_column = get_column_letter(max(len(columns), 1))
    # The filter is written after the rows, so it can cover exactly the rows that were written.
    sheet.auto_filter.ref = f"A1:{last_column}{count + 1}"

    truncated = max_rows is not None and count == max_rows and next(every, None) is not None
    note = truncated_note.replace("{shown}", f"{count:,}") if truncated else ""
    if note:
        workbook.active = 1  # whoever opens the file reads first that it is not all of it
    _write_about(about, table, note=note)
    workbook.save(fileobj)
    return count


def _write_about(sheet: WriteOnlyWorksheet, table: ReportTable, *, note: str = "") -> None:
    """The title (and the note, when rows were left out), then the meta lines, label beside
    value, every value a string cell."""
    label_width = max([12, *(display_width(label) + 2 for label, _ in table.meta)])
    sheet.column_dimensions["A"].width = min(label_width, MAX_WIDTH)
    sheet.column_dimensions["B"].width = MAX_WIDTH
    title = _text_cell(sheet, table.title)
    title.font = _TITLE_FONT
    sheet.append([title])
    if note:
        sheet.append([_text_cell(sheet, note)])
    sheet.append([])
    for label, value in table.meta:
        label_cell = _text_cell(sheet, label)
        label_cell.font = _LABEL_FONT
        sheet.append([label_cell, _text_cell(sheet, value)])
