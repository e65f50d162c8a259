"""QR codes drawn as vector squares on a PDF page, so they print sharp at any size.

The code carries the verification address; it is drawn from segno's module matrix with the
standard quiet zone of four modules, painted white so nothing else on the page can intrude.
"""

from __future__ import annotations

import segno
from reportlab.lib.colors import black, white
from reportlab.pdfgen.canvas import Canvas

QUIET_ZONE = 4  # modules of light margin on every side, as ISO/IEC 18004 asks


def draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """Draw `text` as a QR code (error correction M) `size` points square, quiet zone
    included, with its lower-left corner at (x, y)."""
    rows = [list(row) for row in segno.make(text, error="m").matrix_iter(border=QUIET_ZONE)]
    module = size / len(rows)
    canvas.saveState()
    canvas.setFillColor(white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(black)
    path = canvas.beginPath()
    for number, row in enumerate(rows):
        top = y + size - (number + 1) * module
        start = None
        # One rectangle per run of dark modules: fewer operators, no seams inside a run.
        for column, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                path.rect(x + start * module, top, (column - start) * module, module)
                start = None
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
