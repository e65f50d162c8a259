"""The certificate of a completed course as a one-page A4 PDF, in the reader's language.

It shows what the certificate row certifies (name, unit, course, hours, date), its code, and
a QR code holding the public verification address, which is printed beneath it too. The CJK
font of the reports (app.reports.pdf_layout) is embedded, so Chinese and Latin text print the
same everywhere.
"""

from __future__ import annotations

from typing import IO

from flask_babel import format_date
from flask_babel import gettext as _
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from app.certificates.codes import grouped
from app.certificates.qr import draw_qr
from app.credits.explain import hours_text
from app.models import Certificate
from app.reports.pdf_export import INK, MUTED, RULE
from app.reports.pdf_layout import TextMeasure, cjk_font_name, font_runs

ACCENT = HexColor("#8A1C1C")  # a seal red, 8.9:1 on white
MARGIN = 36.0
QR_SIZE = 118.0
TEXT_WIDTH = 560.0  # the centred lines: long titles wrap inside this


def write_certificate(certificate: Certificate, fileobj: IO[bytes], *, verify_url: str) -> None:
    """Write the certificate's PDF to a binary file object."""
    width, height = landscape(A4)
    font = cjk_font_name()
    canvas = Canvas(fileobj, pagesize=(width, height), pageCompression=1, initialFontName=font)
    canvas.setTitle(_("Certificate of completion: %(course)s", course=certificate.title))
    canvas.setAuthor(_("Digital Skills Academy"))
    canvas.setCreator("Academy")
    _frame(canvas, width, height)

    lines = _Centred(canvas, font, width / 2)
    y = height - 92
    y = lines.draw(y, _("Digital Skills Academy"), 13, color=MUTED)
    y = lines.draw(y - 16, _("Certificate of completion"), 30, color=ACCENT, bold=True)
    y = lines.draw(y - 20, _("This certifies that"), 13)
    y = lines.draw(y - 10, certificate.learner_name, 26, bold=True)
    if certificate.unit_name:
        y = lines.draw(y - 2, certificate.unit_name, 13, color=MUTED)
    y = lines.draw(y - 12, _("has completed the course"), 13)
    y = lines.draw(y - 8, certificate.title, 20, bold=True, max_lines=3)
    y = lines.draw(
        y - 12,
        _(
            "%(hours)s credit hours · completed on %(date)s",
            hours=hours_text(certificate.hours),
            date=format_date(certificate.completed_at, "long"),
        ),
        13,
    )

    left = MARGIN + 40
    bottom = MARGIN + 34
    draw_line(canvas, font, 10, left, bottom + 44, _("Certificate code"), color=MUTED)
    draw_line(canvas, font, 14, left, bottom + 26, grouped(certificate.code), bold=True)
    draw_line(
        canvas,
        font,
        10,
        left,
        bottom + 8,
        _("Issued on %(date)s", date=format_date(certificate.issued_at, "long")),
        color=MUTED,
    )
    qr_x = width - MARGIN - 40 - QR_SIZE
    draw_qr(canvas, verify_url, qr_x, bottom + 6, QR_SIZE)
    small = TextMeasure(font, 8)
    # The address is wider than the code: it is right-aligned under it, ending where it ends.
    draw_line(canvas, font, 8, qr_x + QR_SIZE - small.text(verify_url), bottom - 6, verify_url)
    hint = _("Scan the code or open the address to check this certificate.")
    draw_line(canvas, font, 8, qr_x + QR_SIZE - small.text(hint), bottom - 18, hint, color=MUTED)
    canvas.showPage()
    canvas.save()


def _frame(canvas: Canvas, width: float, height: float) -> None:
    """A double border round the page."""
    canvas.saveState()
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(2.2)
    canvas.rect(MARGIN, MARGIN, width - 2 * MARGIN, height - 2 * MARGIN)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.8)
    canvas.rect(MARGIN + 7, MARGIN + 7, width - 2 * MARGIN - 14, height - 2 * MARGIN - 14)
    canvas.restoreState()


class _Centred:
    """Centred lines down the page, each wrapped to TEXT_WIDTH."""

    def __init__(self, canvas: Canvas, font: str, middle: float) -> None:
        self.canvas, self.font, self.middle = canvas, font, middle

    def draw(
        self,
        y: float,
        text: str,
        size: float,
        *,
        color: Color = INK,
        bold: bool = False,
        max_lines: int = 2,
    ) -> float:
        """Draw `text` with the top of its first line at `y`; return the y under it."""
        measure = TextMeasure(self.font, size)
        for line in measure.wrap(text, TEXT_WIDTH, max_lines):
            y -= size * 1.25
            x = self.middle - measure.text(line) / 2
            draw_line(self.canvas, self.font, size, x, y, line, color=color, bold=bold)
        return y - size * 0.3


def draw_line(
    canvas: Canvas,
    font: str,
    size: float,
    x: float,
    y: float,
    text: str,
    *,
    color: Color = INK,
    bold: bool = False,
) -> None:
    """One line; `bold` strokes the outline too, as the CJK font has no bold face."""
    canvas.saveState()
    text_object = canvas.beginText(x, y)
    text_object.setFillColor(color)
    if bold:
        canvas.setLineWidth(size / 30)
        text_object.setStrokeColor(color)
        text_object.setTextRenderMode(2)
    for run_font, run in font_runs(text, font):  # a name's 𠮷 from a font that has it
        text_object.setFont(run_font, size)
        text_object.textOut(run)
    canvas.drawText(text_object)
    canvas.restoreState()
