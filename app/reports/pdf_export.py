"""PDF export: an A4 report with title, meta lines and a paginated table, Chinese included.

Drawn straight onto a reportlab canvas, a page at a time, rather than through a platypus Table,
whose splitting slows down sharply on thousands of rows. reportlab still keeps every finished page
in memory until the file is saved, so a PDF stops after `max_rows` rows (PDF_MAX_ROWS by default)
and says so on page 1 and under the table; CSV and XLSX always carry every row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, islice
from typing import IO

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.pagesizes import landscape as landscape_of
from reportlab.pdfgen.canvas import Canvas

from app.reports.pdf_layout import TextMeasure, cjk_font_name, column_widths, font_runs
from app.reports.table import ReportTable, display_text, normalise_row

# A PDF is for reading and printing; 10,000 rows are 300 to 600 pages. Beyond that, CSV or XLSX.
PDF_MAX_ROWS = 10_000
TRUNCATED_NOTE = "Showing the first {shown} rows only; download CSV or XLSX for all rows."

MARGIN = 36.0  # half an inch
TITLE_SIZE, META_SIZE, BODY_SIZE, FOOTER_SIZE = 15.0, 9.0, 8.0, 7.5
LEADING = BODY_SIZE * 1.3
PAD_X, PAD_Y = 4.0, 3.0
# Lines a cell may take before it is cut with "…": keeps every row shorter than a page.
MAX_LINES = {"header": 3, "text": 4, "other": 2}
WIDTH_SAMPLE_ROWS = 200

INK = HexColor("#1F2328")
MUTED = HexColor("#57606A")  # 6.4:1 on white
HEADER_FILL = HexColor("#E8EAED")
STRIPE_FILL = HexColor("#F6F8FA")
RULE = HexColor("#C4C9CF")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class _Layout:
    """Page geometry and the table's column positions."""

    page_width: float
    page_height: float
    widths: list[float]

    @property
    def left(self) -> float:
        """The table's left edge."""
        return MARGIN

    @property
    def bottom(self) -> float:
        """The lowest a table row may reach: above the footer."""
        return MARGIN + FOOTER_SIZE + 6

    def lefts(self) -> list[float]:
        """The x of each column's left edge."""
        xs, x = [], self.left
        for width in self.widths:
            xs.append(x)
            x += width
        return xs


def write_pdf(
    table: ReportTable,
    fileobj: IO[bytes],
    *,
    page_size: tuple[float, float] = A4,
    landscape: bool = True,
    max_rows: int = PDF_MAX_ROWS,
    truncated_note: str = TRUNCATED_NOTE,
    empty: str = "—",
) -> int:
    """Write the table as a PDF to a binary file object; return the number of rows drawn.

    The title and meta lines (unit, filters, time of generation) head page 1; the table's header
    row repeats on every page; the footer says "n / N". At most `max_rows` rows are drawn; if
    there were more, `truncated_note` (translated by the caller; "{shown}" is replaced by the
    number) is printed under the meta lines and under the table. Rows past the cap are not read.
    """
    width, height = landscape_of(page_size) if landscape else page_size
    font = cjk_font_name()
    canvas = Canvas(fileobj, pagesize=(width, height), pageCompression=1, initialFontName=font)
    canvas.setTitle(table.title)
    canvas.setCreator("Academy")
    body, meta = TextMeasure(font, BODY_SIZE), TextMeasure(font, META_SIZE)
    columns = table.columns

    rows = (normalise_row(columns, row) for row in table.rows)
    sample = list(islice(rows, min(WIDTH_SAMPLE_ROWS, max_rows)))
    layout = _Layout(
        width,
        height,
        column_widths(
            columns,
            sample,
            body,
            width - 2 * MARGIN,
            padding=PAD_X,
            header_lines=MAX_LINES["header"],
            empty=empty,
        ),
    )
    page = _Pages(canvas, layout, table, font, body)

    y = height - MARGIN - TITLE_SIZE
    _draw_text(canvas, font, TITLE_SIZE, MARGIN, y, table.title, bold=True)
    y -= TITLE_SIZE * 0.9
    for label, value in table.meta:
        for line in meta.wrap(f"{label}: {value}", width - 2 * MARGIN, 2):
            y -= META_SIZE * 1.5
            _draw_text(canvas, font, META_SIZE, MARGIN, y, line)
    # Whether rows were left out is known only at the end: page 1 refers to a form filled in then.
    y -= META_SIZE * 1.5
    canvas.doForm("truncation-note")
    page.note_y = y
    y = page.start_table(y - META_SIZE)

    shown = 0
    for row in islice(chain(sample, rows), max_rows):
        texts = [display_text(c, v, empty=empty) for c, v in zip(columns, row, strict=True)]
        y = page.draw_row(y, texts, striped=shown % 2 == 1)
        shown += 1
    truncated = shown == max_rows and next(rows, None) is not None
    # replace(), not format(): a translated note may contain other braces.
    note = truncated_note.replace("{shown}", f"{shown:,}") if truncated else ""
    if note:
        y = page.ensure_room(y, LEADING * 2)
        _draw_text(canvas, font, META_SIZE, MARGIN, y - LEADING * 1.5, note, bold=True)
    page.finish()

    canvas.beginForm("truncation-note")
    if note:
        _draw_text(canvas, font, META_SIZE, MARGIN, page.note_y, note, bold=True)
    canvas.endForm()
    canvas.beginForm("page-count")
    _draw_text(canvas, font, FOOTER_SIZE, width / 2, MARGIN, str(page.number), color=MUTED)
    canvas.endForm()
    canvas.save()
    return shown


class _Pages:
    """The running state of the table across pages: header rows, rules, footers."""

    def __init__(
        self, canvas: Canvas, layout: _Layout, table: ReportTable, font: str, body: TextMeasure
    ) -> None:
        self.canvas = canvas
        self.layout = layout
        self.table = table
        self.font = font
        self.body = body
        self.number = 1
        self.note_y = 0.0
        self.table_top = 0.0
        self._last_y = 0.0

    def start_table(self, y: float) -> float:
        """Draw the header row with its top at `y`; return the y under it."""
        self.table_top = y
        labels = [column.label for column in self.table.columns]
        return self._row(y, labels, fill=HEADER_FILL, bold=True, max_lines=MAX_LINES["header"])

    def draw_row(self, y: float, texts: Sequence[str], *, striped: bool) -> float:
        """Draw one data row at `y`, on a new page if it does not fit; return the y under it."""
        lines = self._cell_lines(texts, None)
        needed = max(len(cell) for cell in lines) * LEADING + 2 * PAD_Y
        y = self.ensure_room(y, needed)
        return self._row(y, texts, fill=STRIPE_FILL if striped else None, lines=lines)

    def ensure_room(self, y: float, needed: float) -> float:
        """`y` if `needed` points fit above the footer, else the top of a fresh page's table."""
        if y - needed >= self.layout.bottom:
            return y
        self._close_page(y)
        self.canvas.showPage()
        self.number += 1
        top = self.layout.page_height - MARGIN
        _draw_text(
            self.canvas,
            self.font,
            FOOTER_SIZE,
            MARGIN,
            top - FOOTER_SIZE,
            self.table.title,
            color=MUTED,
        )
        return self.start_table(top - FOOTER_SIZE - 8)

    def finish(self) -> None:
        """Close the last page (its rules and footer)."""
        self._close_page(self._last_y)

    def _cell_lines(self, texts: Sequence[str], max_lines: int | None) -> list[list[str]]:
        """Each cell's text wrapped to its column; tabs and control characters would not print."""
        lines = []
        for column, text, width in zip(self.table.columns, texts, self.layout.widths, strict=True):
            limit = max_lines or MAX_LINES["text" if column.kind == "text" else "other"]
            clean = _CONTROL.sub("", text.replace("\t", " "))
            lines.append(self.body.wrap(clean, width - 2 * PAD_X, limit))
        return lines

    def _row(
        self,
        y: float,
        texts: Sequence[str],
        *,
        fill: Color | None = None,
        bold: bool = False,
        max_lines: int | None = None,
        lines: list[list[str]] | None = None,
    ) -> float:
        """Draw one row (header or data) with its top at `y`; return the y under it."""
        canvas, layout = self.canvas, self.layout
        lines = lines or self._cell_lines(texts, max_lines)
        height = max(len(cell) for cell in lines) * LEADING + 2 * PAD_Y
        bottom = y - height
        if fill is not None:
            canvas.setFillColor(fill)
            canvas.rect(layout.left, bottom, sum(layout.widths), height, stroke=0, fill=1)
        for column, cell, x, width in zip(
            self.table.columns, lines, layout.lefts(), layout.widths, strict=True
        ):
            for index, line in enumerate(cell):
                baseline = y - PAD_Y - BODY_SIZE * 0.95 - index * LEADING
                if column.is_numeric:
                    right = x + width - PAD_X
                    _draw_text(
                        canvas,
                        self.font,
                        BODY_SIZE,
                        right - self.body.text(line),
                        baseline,
                        line,
                        bold=bold,
                    )
                else:
                    _draw_text(canvas, self.font, BODY_SIZE, x + PAD_X, baseline, line, bold=bold)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(layout.left, bottom, layout.left + sum(layout.widths), bottom)
        self._last_y = bottom
        return bottom

    def _close_page(self, y: float) -> None:
        """Vertical rules from the header's top down to the last row, and the footer."""
        canvas, layout = self.canvas, self.layout
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        right = layout.left + sum(layout.widths)
        canvas.line(layout.left, self.table_top, right, self.table_top)
        for x in [*layout.lefts(), right]:
            canvas.line(x, self.table_top, x, y)
        middle = layout.page_width / 2
        label = f"{self.number} / "
        _draw_text(
            canvas,
            self.font,
            FOOTER_SIZE,
            middle - self.body.text(label) * FOOTER_SIZE / BODY_SIZE,
            MARGIN,
            label,
            color=MUTED,
        )
        # The page count is a form drawn once the last page is known.
        canvas.doForm("page-count")


def _draw_text(
    canvas: Canvas,
    font: str,
    size: float,
    x: float,
    y: float,
    text: str,
    *,
    bold: bool = False,
    color: Color = INK,
) -> None:
    """One line of text; `bold` strokes the outline too, as the CJK fonts have no bold face."""
    # The text render mode lives in the PDF graphics state, not in reportlab's text object:
    # bold text is drawn inside save/restore so the stroke mode cannot leak into later text.
    if bold:
        canvas.saveState()
        canvas.setLineWidth(0.35)
    text_object = canvas.beginText(x, y)
    text_object.setFillColor(color)
    if bold:
        text_object.setStrokeColor(color)
        text_object.setTextRenderMode(2)
    for run_font, run in font_runs(text, font):  # 𠮷 comes from a font that has it
        text_object.setFont(run_font, size)
        text_object.textOut(run)
    canvas.drawText(text_object)
    if bold:
        canvas.restoreState()
