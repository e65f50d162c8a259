"""Text layout for the PDF export: the CJK fonts, measuring and wrapping text, column widths.

No single font has every character a person's name may hold: WenQuanYi Zen Hei has the common
ones and Extension A (䶮), but not Extension B (𠮷, 𡈼), which names imported from GB18030 do
use. Text is therefore drawn in runs, each in the first font of the chain that has its
characters (`font_runs`); a character no font has is printed as □ and logged as a warning,
never silently dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

from app.reports.table import CellValue, Column, display_text

# WenQuanYi Zen Hei has TrueType outlines, so reportlab can embed a subset: the PDF then looks the
# same on every reader. Without it, the Adobe CID font STSong-Light is referenced, not embedded:
# readers supply it (Acrobat, poppler with poppler-data, pdf.js all do).
CJK_TTF_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
CJK_TTF_NAME = "WenQuanYiZenHei"
CID_FALLBACK = "STSong-Light"
# Tried in turn for a character the main font lacks (Debian's fonts-hanazono: HanaMinA has
# Extension A, HanaMinB Extensions B to D). A font that is not installed is skipped.
FALLBACK_TTFS = (
    ("HanaMinA", Path("/usr/share/fonts/truetype/hanazono/HanaMinA.ttf")),
    ("HanaMinB", Path("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf")),
)
MISSING_MARK = "□"
log = logging.getLogger(__name__)

# Text columns are never squeezed below this (points) while the page has room.
MIN_TEXT_WIDTH = 48.0


def cjk_font_name() -> str:
    """Register and name the report font: the TrueType CJK font if present, else the CID one."""
    if CJK_TTF_PATH.exists():
        return _register_ttf(str(CJK_TTF_PATH))
    if CID_FALLBACK not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
    return CID_FALLBACK


def _utf16_hex(code_point: int) -> str:
    """A code point as the UTF-16BE hex a ToUnicode CMap needs (a surrogate pair above FFFF)."""
    return chr(code_point).encode("utf-16-be").hex().upper()


def _to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """reportlab's ToUnicode CMap for a font subset, with characters beyond the BMP encoded
    as UTF-16. reportlab writes them as bare code points (<20BB7>), which readers take for
    U+20BB: 𠮷 would print right but copy, search and read aloud as ₻."""
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *(f"<{index:02X}> <{_utf16_hex(code)}>" for index, code in enumerate(subset)),
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]
    return "\n".join(lines)


# reportlab looks the function up in its module when it writes each font subset.
ttfonts.makeToUnicodeCMap = _to_unicode_cmap


@lru_cache(maxsize=4)
def _register_ttf(path: str, name: str = CJK_TTF_NAME) -> str:
    """Parse a font file once per process and path (Zen Hei is a 17 MB collection)."""
    pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
    return name


@lru_cache(maxsize=1)
def _fallbacks() -> tuple[str, ...]:
    return tuple(_register_ttf(str(path), name) for name, path in FALLBACK_TTFS if path.exists())


def _has(font: str, char: str) -> bool:
    glyphs = getattr(getattr(pdfmetrics.getFont(font), "face", None), "charToGlyph", None)
    # A CID font (STSong-Light) has no glyph table here: the reader supplies its glyphs.
    return glyphs is None or ord(char) in glyphs


@lru_cache(maxsize=4096)
def font_for(char: str, font: str) -> tuple[str, str]:
    """The font to draw `char` in (`font` if it has it, else the first fallback that does),
    and the character to draw: □ when no font has it, with a warning in the log."""
    if char.isspace() or _has(font, char):
        return font, char
    for fallback in _fallbacks():
        if _has(fallback, char):
            return fallback, char
    log.warning(
        "PDF: no installed font has U+%04X (%s); printed as %s", ord(char), char, MISSING_MARK
    )
    return font, MISSING_MARK


def font_runs(text: str, font: str) -> list[tuple[str, str]]:
    """`text` as (font, characters) runs, each drawn in a font that has its characters."""
    runs: list[tuple[str, str]] = []
    for char in text:
        run_font, drawn = font_for(char, font)
        if runs and runs[-1][0] == run_font:
            runs[-1] = (run_font, runs[-1][1] + drawn)
        else:
            runs.append((run_font, drawn))
    return runs


class TextMeasure:
    """String widths for one font and size, cached per character (wrapping asks a lot)."""

    def __init__(self, font: str, size: float) -> None:
        self.font, self.size = font, size
        self._widths: dict[str, float] = {}

    def char(self, char: str) -> float:
        """The width of one character."""
        width = self._widths.get(char)
        if width is None:
            font, drawn = font_for(char, self.font)
            width = self._widths[char] = pdfmetrics.stringWidth(drawn, font, self.size)
        return width

    def text(self, text: str) -> float:
        """The width of a string."""
        return sum(self.char(char) for char in text)

    def wrap(self, text: str, width: float, max_lines: int) -> list[str]:
        """Lines of at most `width`, breaking at spaces where there are any, else anywhere.

        Chinese has no spaces and may break between any two characters; a Latin word longer than
        the column is broken too rather than overflowing into the next cell.
        """
        lines: list[str] = []
        for paragraph in text.splitlines() or [""]:
            line, line_width, last_space = "", 0.0, -1
            for char in paragraph:
                char_width = self.char(char)
                if line and line_width + char_width > width:
                    if char == " ":
                        lines.append(line)
                        line, line_width, last_space = "", 0.0, -1
                        continue
                    head, tail = (
                        (line[:last_space], line[last_space + 1 :])
                        if last_space > 0
                        else (line, "")
                    )
                    lines.append(head.rstrip())
                    line, line_width, last_space = tail, self.text(tail), -1
                if char == " ":
                    last_space = len(line)
                line += char
                line_width += char_width
            lines.append(line)
        if len(lines) > max_lines:
            lines = lines[:max_lines]
            last = lines[-1]
            while last and self.text(last + "…") > width:
                last = last[:-1]
            lines[-1] = last.rstrip() + "…"
        return lines


def column_widths(
    columns: Sequence[Column],
    sample: Sequence[Sequence[CellValue]],
    measure: TextMeasure,
    available: float,
    *,
    padding: float,
    header_lines: int,
    empty: str,
) -> list[float]:
    """Widths filling `available`: numbers and dates as wide as they need, text shares the rest.

    Measured on the first rows only (the rest are not read yet); later wider text wraps.
    """
    natural = []
    for index, column in enumerate(columns):
        widest = max(
            [0.0, *(measure.text(display_text(column, r[index], empty=empty)) for r in sample)]
        )
        label = measure.text(column.label)
        longest_word = max([0.0, *map(measure.text, column.label.split())])
        # A label may wrap onto `header_lines` lines, so it needs about that fraction of its length.
        label_need = min(label, max(longest_word, label / header_lines))
        natural.append(max(widest, label_need, measure.text("0000")) + 2 * padding)
    text_columns = [i for i, column in enumerate(columns) if column.kind == "text"]
    if not text_columns:
        text_columns = list(range(len(columns)))
    widths = dict(enumerate(natural))
    room = available - sum(w for i, w in widths.items() if i not in text_columns)
    if room < MIN_TEXT_WIDTH * len(text_columns):
        # Too many wide columns for the page: scale everything alike.
        scale = available / (available - room + MIN_TEXT_WIDTH * len(text_columns))
        return [(MIN_TEXT_WIDTH if i in text_columns else w) * scale for i, w in widths.items()]
    # Water-filling: text columns narrower than a fair share keep their natural width (codes and
    # names stay on one line); the wide ones split what is left and wrap.
    open_columns = list(text_columns)
    while open_columns:
        share = room / len(open_columns)
        narrow = [i for i in open_columns if natural[i] <= share]
        if not narrow:
            wanted = sum(natural[i] for i in open_columns)
            for i in open_columns:
                widths[i] = room * natural[i] / wanted
            return list(widths.values())
        for i in narrow:
            room -= natural[i]
            open_columns.remove(i)
    # Everything fits: spread the spare room over the text columns so the table spans the page.
    wanted = sum(natural[i] for i in text_columns)
    for i in text_columns:
        widths[i] = natural[i] + room * natural[i] / wanted
    return list(widths.values())
