"""Names with characters beyond the main CJK font (Extension B, as GB18030 imports bring)
print whole in report PDFs; a character no installed font has is marked and logged, never
dropped."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from app.reports import pdf_layout
from app.reports.table import Column, ReportTable
from tests.test_report_exports import pdf_file, poppler  # noqa: F401  (the fixture)

NAMES = ("𠮷哲", "王𡈼", "李䶮")
COLUMNS = (Column("full_name", "姓名", "text"), Column("unit_name", "单位名称", "text"))


def _table(names: tuple[str, ...]) -> ReportTable:
    return ReportTable("学员名单", COLUMNS, [(name, "市数据局") for name in names], ())


@pytest.fixture
def fallback_fonts() -> None:
    missing = [str(path) for _name, path in pdf_layout.FALLBACK_TTFS if not path.exists()]
    if missing:
        pytest.fail(
            f"the fallback fonts are not installed ({missing}): apt-get install fonts-hanazono"
        )


def test_extension_b_and_a_characters_of_names_are_printed(
    tmp_path: Path,
    poppler: Any,  # noqa: F811
    fallback_fonts: None,
) -> None:
    path, drawn = pdf_file(tmp_path, _table(NAMES))
    text = poppler("pdftotext", path, "-layout")
    assert drawn == 3
    for name in NAMES:
        assert name in text, name
    fonts = poppler("pdffonts", path)
    assert "HanaMin" in fonts  # the 𠮷 and 𡈼 come from it, embedded like the main font
    embedded = [line.split()[-5] for line in fonts.splitlines()[2:]]
    assert embedded and all(flag == "yes" for flag in embedded), fonts


def test_a_character_no_font_has_is_marked_and_logged_not_dropped(
    tmp_path: Path,
    poppler: Any,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    unknown = "\U000f0041"  # a private-use character: no installed font draws it
    with caplog.at_level(logging.WARNING, logger="app.reports.pdf_layout"):
        path, _drawn = pdf_file(tmp_path, _table((f"张{unknown}三",)))
    assert "张□三" in poppler("pdftotext", path, "-layout")
    assert "U+F0041" in caplog.text
