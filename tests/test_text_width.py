"""Text width in half-width columns, for XLSX column widths and chart labels."""

from __future__ import annotations

import pytest

from app.web.text_width import display_width


@pytest.mark.parametrize(
    ("text", "width"),
    [
        ("", 0),
        ("Unit A-1", 8),
        ("市数据局", 8),  # CJK ideographs: wide
        ("（数据）", 8),  # fullwidth brackets
        ("ＧＥＴ", 6),  # fullwidth Latin
        ("、。", 4),  # CJK punctuation
        ("한국", 4),  # Hangul syllables
        ("ᄀ", 2),  # a Hangul leading consonant, wide although below U+2E80
        ("ｱｲ", 2),  # halfwidth katakana: narrow although above U+2E80
        ("…—·", 3),  # ambiguous: narrow, as Latin fonts draw them
        ("Ünïcødé", 7),
    ],
)
def test_wide_and_fullwidth_characters_count_two(text, width):
    assert display_width(text) == width
