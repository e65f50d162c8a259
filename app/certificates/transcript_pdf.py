"""The learning record (学习档案) of a year as an A4 PDF, in the reader's language.

Page 1 heads it with who it is about (name, unit, category), the year's total against the
learner's own target, the record's certificate code and a QR code of its verification address
(printed beneath it too). Then every ledger entry of the year: date, what it was, hours and
the explanation of how they were counted (app.credits.explain). The table is a platypus
LongTable: a year holds tens of entries, not the thousands of rows that made the reports draw
their own tables, and it splits between rows onto as many pages as it needs, repeating its
header row. Cells are wrapped by the reports' TextMeasure (Chinese breaks between any two
characters, Latin at spaces), so nothing is cut short.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from reportlab.lib.colors import white
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, LongTable, SimpleDocTemplate, Spacer, TableStyle

from app.certificates.codes import grouped
from app.certificates.pdf import draw_line
from app.certificates.qr import draw_qr
from app.credits.explain import explain, hours_text, source_label
from app.credits.totals import YearCredits
from app.models import Certificate
from app.reports.pdf_export import HEADER_FILL, INK, MUTED, RULE, STRIPE_FILL
from app.reports.pdf_layout import TextMeasure, cjk_font_name

MARGIN = 40.0
TITLE_SIZE, INFO_SIZE, BODY_SIZE, FOOTER_SIZE = 17.0, 9.5, 8.0, 7.5
LEADING = BODY_SIZE * 1.3
PAD = 4.0
QR_SIZE = 104.0
# Shares of the table's width: date, what, hours, how they were counted.
COLUMN_SHARES = (0.13, 0.33, 0.09, 0.45)
# An explanation (or an adjustment's reason, at most 500 characters) is never cut.
MAX_CELL_LINES = 60


@dataclass(frozen=True)
class RecordHeader:
    """What page 1 says about whom, besides the entries."""

    category: str | None
    verify_url: str


def write_transcript(
    credits: YearCredits, certificate: Certificate, header: RecordHeader, fileobj: IO[bytes]
) -> None:
    """Write the learning record of `credits.year` to a binary file object. Name and unit
    are those its certificate certifies, so the paper and /verify always agree."""
    font = cjk_font_name()
    title = _("Learning record %(year)d", year=credits.year)
    document = SimpleDocTemplate(
        fileobj,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + FOOTER_SIZE + 8,
        title=title,
        author=_("Digital Skills Academy"),
        creator="Academy",
        initialFontName=font,
    )
    width = document.width
    story: list[Flowable] = [
        _Header(font, width, title, credits, certificate, header),
        Spacer(width, 14),
    ]
    body = TextMeasure(font, BODY_SIZE)
    if credits.entries:
        story.append(_entries_table(font, body, width, credits))
    story.append(Spacer(width, 10))
    story.append(_Lines(font, width, _closing_lines(credits)))
    footer = f"{certificate.learner_name} · {title} · {grouped(certificate.code)}"

    def on_page(canvas: Canvas, _document: Any) -> None:
        draw_line(canvas, font, FOOTER_SIZE, MARGIN, MARGIN, footer, color=MUTED)
        label = f"{canvas.getPageNumber()} / "
        right = A4[0] - MARGIN - TextMeasure(font, FOOTER_SIZE).text("000")
        draw_line(
            canvas,
            font,
            FOOTER_SIZE,
            right - TextMeasure(font, FOOTER_SIZE).text(label),
            MARGIN,
            label,
            color=MUTED,
        )
        # The number of pages is known only at the end: a form drawn then (see _Canvas).
        canvas.doForm("page-count")

    document.build(story, onFirstPage=on_page, onLaterPages=on_page, canvasmaker=_canvas(font))


def _canvas(font: str) -> type[Canvas]:
    """A canvas that draws the page count into its form once every page is done."""

    class _Canvas(Canvas):
        def save(self) -> None:
            self.beginForm("page-count")
            pages = str(self.getPageNumber() - 1)  # the page after the last has begun
            right = A4[0] - MARGIN - TextMeasure(font, FOOTER_SIZE).text("000")
            draw_line(self, font, FOOTER_SIZE, right, MARGIN, pages, color=MUTED)
            self.endForm()
            super().save()

    return _Canvas


def _closing_lines(credits: YearCredits) -> list[tuple[str, float, bool]]:
    """The lines under the table: the total against the target, what is left."""
    if not credits.entries:
        return [(_("No credit hours recorded in %(year)d.", year=credits.year), INFO_SIZE, False)]
    lines = [
        (
            _(
                "Total in %(year)d: %(total)s credit hours. Target: %(target)s credit hours.",
                year=credits.year,
                total=hours_text(credits.total),
                target=hours_text(credits.target),
            ),
            INFO_SIZE + 1,
            True,
        )
    ]
    if credits.remaining:
        left = _(
            "%(left)s credit hours to go to reach the target.", left=hours_text(credits.remaining)
        )
    else:
        left = _("The target of this year is reached.")
    lines.append((left, INFO_SIZE, False))
    return lines


def _entries_table(font: str, body: TextMeasure, width: float, credits: YearCredits) -> LongTable:
    """Every entry of the year, one row each, wrapped to the columns."""
    widths = [width * share for share in COLUMN_SHARES]
    header = [_("Date"), _("What"), _("Credit hours"), _("How they were counted")]
    rows = [header]
    for entry in credits.entries:
        what = source_label(entry.source)
        if entry.course is not None:
            what = f"{what}: {entry.course.title}"
        rows.append(
            [
                format_date(entry.awarded_at, "yyyy-MM-dd"),
                what,
                hours_text(entry.hours),
                explain(entry) or "—",
            ]
        )
    cells = [
        [
            "\n".join(body.wrap(text, column - 2 * PAD, MAX_CELL_LINES))
            for text, column in zip(row, widths, strict=True)
        ]
        for row in rows
    ]
    table = LongTable(cells, colWidths=widths, repeatRows=1, splitByRow=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), BODY_SIZE),
                ("LEADING", (0, 0), (-1, -1), LEADING),
                ("TEXTCOLOR", (0, 0), (-1, -1), INK),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (2, 0), (2, -1), "RIGHT"),
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [white, STRIPE_FILL]),
                ("GRID", (0, 0), (-1, -1), 0.5, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), PAD),
                ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


class _Lines(Flowable):
    """Lines of text, each wrapped to the width: (text, size, bold)."""

    def __init__(self, font: str, width: float, lines: list[tuple[str, float, bool]]) -> None:
        super().__init__()
        self.font, self.width = font, width
        self.wrapped = [
            (part, size, bold)
            for text, size, bold in lines
            for part in TextMeasure(font, size).wrap(text, width, 10)
        ]
        self.height = sum(size * 1.5 for _part, size, _bold in self.wrapped)

    def wrap(self, _available_width: float, _available_height: float) -> tuple[float, float]:
        """The space the lines take."""
        return self.width, self.height

    def draw(self) -> None:
        """Draw the lines from the top down."""
        y = self.height
        for text, size, bold in self.wrapped:
            y -= size * 1.5
            draw_line(self.canv, self.font, size, 0, y + size * 0.3, text, bold=bold)


class _Header(_Lines):
    """Page 1's head: the title and who, what and when on the left, the QR code on the right."""

    def __init__(
        self,
        font: str,
        width: float,
        title: str,
        credits: YearCredits,
        certificate: Certificate,
        header: RecordHeader,
    ) -> None:
        small = TextMeasure(font, FOOTER_SIZE)
        self.hint = _("Scan the code or open the address to check this record.")
        # The text keeps clear of the code and of the address and hint under it.
        right_column = max(QR_SIZE, small.text(header.verify_url), small.text(self.hint))
        lines = [
            (title, TITLE_SIZE, True),
            (_("Name: %(name)s", name=certificate.learner_name), INFO_SIZE, False),
            (_("Unit: %(unit)s", unit=certificate.unit_name or "—"), INFO_SIZE, False),
            (_("Category: %(category)s", category=header.category or "—"), INFO_SIZE, False),
            (
                _(
                    "%(earned)s of %(target)s credit hours",
                    earned=hours_text(credits.total),
                    target=hours_text(credits.target),
                ),
                INFO_SIZE,
                True,
            ),
            (
                ngettext("%(num)d entry", "%(num)d entries", len(credits.entries)),
                INFO_SIZE,
                False,
            ),
            (
                _("As of %(date)s", date=format_date(certificate.issued_at, "long")),
                INFO_SIZE,
                False,
            ),
            (_("Certificate code: %(code)s", code=grouped(certificate.code)), INFO_SIZE, False),
        ]
        super().__init__(font, width - right_column - 16, lines)
        self.full_width = width
        self.verify_url = header.verify_url
        self.qr_height = QR_SIZE + 2 * FOOTER_SIZE + 8
        self.height = max(self.height, self.qr_height)

    def wrap(self, _available_width: float, _available_height: float) -> tuple[float, float]:
        """The whole width, as tall as the text or the QR code and its address."""
        return self.full_width, self.height

    def draw(self) -> None:
        """The text lines, then the code at the top right with the address beneath it."""
        super().draw()
        left = self.full_width - QR_SIZE
        bottom = self.height - QR_SIZE
        draw_qr(self.canv, self.verify_url, left, bottom, QR_SIZE)
        small = TextMeasure(self.font, FOOTER_SIZE)
        x = self.full_width - small.text(self.verify_url)
        draw_line(self.canv, self.font, FOOTER_SIZE, x, bottom - FOOTER_SIZE - 2, self.verify_url)
        draw_line(
            self.canv,
            self.font,
            FOOTER_SIZE,
            self.full_width - small.text(self.hint),
            bottom - 2 * FOOTER_SIZE - 5,
            self.hint,
            color=MUTED,
        )
