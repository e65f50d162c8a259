"""How many columns a text takes where Chinese characters are twice as wide as Latin ones.

Used to size what cannot be measured with a real font: XLSX column widths and the chart's labels.
(The PDF export measures with its embedded font instead.)
"""

from __future__ import annotations

import unicodedata

# Unicode's East Asian Width (UAX #11): Wide (CJK ideographs, kana, Hangul, CJK punctuation, most
# emoji) and Fullwidth (the fullwidth forms such as "（", "Ａ") take two columns. Everything else
# takes one, including halfwidth katakana and the "ambiguous" characters (…, —, ·, Greek,
# Cyrillic): Latin fonts, which Excel and the page use for them, draw those narrow.
WIDE = frozenset({"W", "F"})


def display_width(text: str) -> int:
    """The width of `text` in half-width columns: wide and fullwidth characters count two."""
    return sum(2 if unicodedata.east_asian_width(char) in WIDE else 1 for char in text)
