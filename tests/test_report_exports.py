"""Report exports: CSV, XLSX and PDF from one ReportTable, without an app or a database."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from app.reports import pdf_layout
from app.reports.csv_export import csv_chunks
from app.reports.exports import FORMATS, content_disposition, counted, export, stream
from app.reports.pdf_export import write_pdf
from app.reports.table import Column, ReportTable
from app.reports.xlsx_export import sheet_name, write_xlsx

UTC8 = timezone(timedelta(hours=8))
UNIT_COLUMNS = (
    Column("unit_code", "单位代码", "text"),
    Column("unit_name", "单位名称", "text"),
    Column("learners", "学员数", "int"),
    Column("completion_rate", "完成率", "percent"),
    Column("avg_score", "平均成绩", "float"),
    Column("due_date", "截止日期", "date"),
    Column("completed_at", "完成时间", "datetime"),
)
META = (("单位", "市数据局 (SJJ)"), ("课程", "全部"), ("生成时间", "2024-07-01 09:30 +08:00"))
FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def unit_rows(count: int) -> Iterator[tuple[Any, ...]]:
    """Synthetic unit-report rows, generated lazily like a database cursor."""
    for i in range(count):
        yield (
            f"U{i:05d}",
            f"县人民政府办公室 {i}",
            i,
            (i % 1000) / 10,
            70 + (i % 30) / 4,
            date(2024, 6, 30),
            datetime(2024, 5, 1, 14, 3, 5, tzinfo=UTC8),
        )


def make_table(rows: Any, columns: tuple[Column, ...] = UNIT_COLUMNS) -> ReportTable:
    """A unit report around the given rows."""
    return ReportTable("单位学习完成情况报告", columns, rows, META)


def csv_text(table: ReportTable) -> str:
    """The whole CSV, decoded the way Excel does (BOM removed)."""
    return b"".join(csv_chunks(table)).decode("utf-8-sig")


def csv_records(table: ReportTable) -> list[list[str]]:
    """The CSV parsed back into records, header first."""
    return list(csv.reader(io.StringIO(csv_text(table))))


def xlsx_workbook(table: ReportTable) -> Any:
    """The table written to XLSX and read back with openpyxl."""
    buffer = io.BytesIO()
    write_xlsx(table, buffer)
    buffer.seek(0)
    return load_workbook(buffer)


# --- CSV ---------------------------------------------------------------------------------------


def test_csv_starts_with_a_bom_and_the_header_is_the_column_keys() -> None:
    data = b"".join(csv_chunks(make_table(iter([]))))
    assert data.startswith(b"\xef\xbb\xbf")
    header = data.decode("utf-8-sig").splitlines()[0]
    assert header == "unit_code,unit_name,learners,completion_rate,avg_score,due_date,completed_at"


def test_csv_writes_plain_numbers_iso_dates_and_empty_for_none() -> None:
    rows = [
        (
            "A1",
            "市数据局",
            12,
            87.5,
            81.256,
            date(2024, 6, 30),
            datetime(2024, 5, 1, 14, 3, 5, 9, UTC8),
        ),
        ("A2", None, None, None, None, None, None),
    ]
    records = csv_records(make_table(rows))
    assert records[1] == [
        "A1",
        "市数据局",
        "12",
        "87.5",
        "81.26",
        "2024-06-30",
        "2024-05-01T14:03:05+08:00",
    ]
    assert records[2] == ["A2", "", "", "", "", "", ""]


def test_csv_accepts_decimals_and_treats_naive_datetimes_as_utc() -> None:
    rows = [
        (
            "A1",
            "x",
            Decimal("3"),
            Decimal("66.666"),
            Decimal("1.5"),
            "2024-06-30",
            datetime(2024, 5, 1, 6, 0),
        )
    ]
    assert csv_records(make_table(rows))[1][2:] == [
        "3",
        "66.7",
        "1.50",
        "2024-06-30",
        "2024-05-01T06:00:00+00:00",
    ]


@pytest.mark.parametrize("payload", FORMULAS)
def test_csv_prefixes_an_apostrophe_to_text_a_spreadsheet_would_run(payload: str) -> None:
    records = csv_records(make_table([(payload, payload, 1, 1.0, 1.0, None, None)]))
    assert records[1][:2] == ["'" + payload, "'" + payload]


def test_csv_leaves_negative_numbers_and_harmless_text_alone() -> None:
    columns = (
        Column("name", "Name", "text"),
        Column("delta", "Δ", "int"),
        Column("rate", "R", "float"),
    )
    records = csv_records(ReportTable("t", columns, [("a-b =c", -5, -2.5)]))
    assert records[1] == ["a-b =c", "-5", "-2.50"]


def test_csv_round_trips_chinese_text() -> None:
    rows = [("A1", "区政务服务和数据管理局（大数据中心）", 1, 50.0, None, None, None)]
    assert csv_records(make_table(rows))[1][1] == "区政务服务和数据管理局（大数据中心）"


def test_csv_sends_the_first_chunk_before_the_rows_are_all_read() -> None:
    read = 0

    def rows() -> Iterator[tuple[Any, ...]]:
        nonlocal read
        for row in unit_rows(2000):
            read += 1
            yield row

    chunks = csv_chunks(make_table(rows()), rows_per_chunk=100)
    next(chunks)
    assert read <= 101
    assert len(list(chunks)) >= 19


def test_a_row_of_the_wrong_type_or_length_is_reported_with_its_column() -> None:
    with pytest.raises(TypeError, match="learners"):
        csv_text(make_table([("A1", "x", "twelve", None, None, None, None)]))
    with pytest.raises(ValueError, match="2 values for 7 columns"):
        csv_text(make_table([("A1", "x")]))


def peak_memory(export_rows: Callable[[int], None], count: int) -> int:
    """Peak traced memory in bytes while exporting `count` generated rows."""
    tracemalloc.start()
    try:
        export_rows(count)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_csv_memory_does_not_grow_with_rows() -> None:
    def export_rows(count: int) -> None:
        for _ in csv_chunks(make_table(unit_rows(count))):
            pass

    export_rows(10)  # imports and caches outside the measurement
    assert peak_memory(export_rows, 50_000) - peak_memory(export_rows, 5_000) < 512 * 1024


@pytest.mark.slow
def test_xlsx_memory_does_not_grow_with_rows(tmp_path: Path) -> None:
    def export_rows(count: int) -> None:
        with open(tmp_path / f"{count}.xlsx", "wb") as out:
            write_xlsx(make_table(unit_rows(count)), out)

    export_rows(10)
    # 9,000 more rows held in memory would take several megabytes; streamed, the peak stays put.
    assert peak_memory(export_rows, 10_000) - peak_memory(export_rows, 1_000) < 1024 * 1024


# --- XLSX --------------------------------------------------------------------------------------


def test_xlsx_has_typed_cells_a_frozen_header_and_an_autofilter() -> None:
    workbook = xlsx_workbook(make_table(unit_rows(3)))
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]] == [column.label for column in UNIT_COLUMNS]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G4"
    code, name, learners, rate, score, due, done = sheet[3]
    assert (code.value, name.value) == ("U00001", "县人民政府办公室 1")
    assert learners.data_type == "n" and learners.value == 1
    assert rate.data_type == "n" and rate.value == pytest.approx(0.001)
    assert rate.number_format == "0.0%"
    assert score.value == pytest.approx(70.25) and score.number_format == "#,##0.00"
    assert due.is_date and due.value == datetime(2024, 6, 30)
    assert done.is_date and done.value == datetime(2024, 5, 1, 14, 3, 5)


def test_xlsx_keeps_formula_like_text_as_string_cells() -> None:
    rows = [(payload, "#N/A", -5, None, None, None, None) for payload in FORMULAS]
    buffer = io.BytesIO()
    write_xlsx(make_table(rows), buffer)
    workbook = load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = workbook.worksheets[0]
    for index, payload in enumerate(FORMULAS, start=2):
        assert sheet.cell(index, 1).data_type == "s"
        # Line ends are normalised to LF (XML would turn a bare CR into LF when read anyway).
        assert sheet.cell(index, 1).value == payload.replace("\r", "\n")
        assert sheet.cell(index, 2).value == "#N/A" and sheet.cell(index, 2).data_type == "s"
        assert sheet.cell(index, 3).value == -5
    every_cell = [cell for ws in workbook.worksheets for row in ws.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in every_cell)
    with zipfile.ZipFile(buffer) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert not any(b"<f>" in archive.read(name) for name in sheets)


def test_xlsx_puts_title_and_meta_lines_on_an_about_sheet() -> None:
    workbook = xlsx_workbook(make_table(unit_rows(1)))
    assert workbook.sheetnames == ["单位学习完成情况报告", "About"]
    lines = [[cell.value for cell in row] for row in workbook["About"].iter_rows()]
    assert lines[0][0] == "单位学习完成情况报告"
    assert ["单位", "市数据局 (SJJ)"] in lines and ["生成时间", "2024-07-01 09:30 +08:00"] in lines


def test_sheet_names_drop_characters_excel_refuses_and_fit_31_characters() -> None:
    assert sheet_name("Units: A/B [2024]?*\\") == "Units A B 2024"
    assert len(sheet_name("单位" * 40)) == 31
    assert sheet_name("''") == "Report"


# --- PDF ---------------------------------------------------------------------------------------


@pytest.fixture
def poppler() -> Callable[..., str]:
    """Run a poppler tool on a PDF and return its text output."""
    if shutil.which("pdftotext") is None or shutil.which("pdffonts") is None:
        if os.environ.get("ACADEMY_REQUIRE_BROWSER") == "1":
            pytest.fail("ACADEMY_REQUIRE_BROWSER=1 but poppler-utils is not installed")
        pytest.skip("poppler-utils (pdftotext) is not installed: apt-get install poppler-utils")

    def run(tool: str, path: Path, *args: str) -> str:
        command = [tool, *args, str(path)] + (["-"] if tool == "pdftotext" else [])
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout

    return run


def pdf_file(tmp_path: Path, table: ReportTable, **options: Any) -> tuple[Path, int]:
    """The table written as a PDF file; its path and the rows drawn."""
    path = tmp_path / "report.pdf"
    with open(path, "wb") as out:
        drawn = write_pdf(table, out, **options)
    return path, drawn


def test_pdf_shows_chinese_meta_and_every_row_across_pages(tmp_path: Path, poppler: Any) -> None:
    path, drawn = pdf_file(tmp_path, make_table(unit_rows(120)))
    pages = poppler("pdftotext", path, "-layout").split("\f")[:-1]
    assert drawn == 120 and len(pages) > 1
    first, last = pages[0], pages[-1]
    assert "单位学习完成情况报告" in first and "县人民政府办公室 0" in first
    assert "单位: 市数据局 (SJJ)" in first and "生成时间: 2024-07-01 09:30 +08:00" in first
    assert "县人民政府办公室 119" in last and "11.9%" in last
    assert all("完成率" in page for page in pages)  # the header row repeats
    # pdftotext -layout may drop the spaces around the slash of "n / N".
    assert re.search(rf"\b{len(pages)} ?/ ?{len(pages)}\b", last)
    assert re.search(rf"\b1 ?/ ?{len(pages)}\b", first)


def test_pdf_embeds_the_truetype_cjk_font_when_installed(tmp_path: Path, poppler: Any) -> None:
    if not pdf_layout.CJK_TTF_PATH.exists():
        if os.environ.get("ACADEMY_REQUIRE_BROWSER") == "1":
            pytest.fail(f"ACADEMY_REQUIRE_BROWSER=1 but {pdf_layout.CJK_TTF_PATH} is missing")
        pytest.skip("fonts-wqy-zenhei is not installed; the CID fallback is tested separately")
    path, _ = pdf_file(tmp_path, make_table(unit_rows(2)))
    fonts = poppler("pdffonts", path)
    assert "WenQuanYiZenHei" in fonts and " yes " in fonts.split("WenQuanYiZenHei", 1)[1]


def test_pdf_falls_back_to_the_cid_font_without_the_truetype_one(
    tmp_path: Path, poppler: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf_layout, "CJK_TTF_PATH", tmp_path / "missing.ttc")
    path, _ = pdf_file(tmp_path, make_table(unit_rows(2)))
    assert "STSong-Light" in poppler("pdffonts", path)
    text = poppler("pdftotext", path, "-layout")
    assert "U00001" in text
    # poppler maps the CID font to Unicode with poppler-data's Adobe-GB1 tables.
    if Path("/usr/share/poppler/cMap/Adobe-GB1").exists():
        assert "县人民政府办公室 1" in text


def test_pdf_stops_at_the_row_cap_and_says_so(tmp_path: Path, poppler: Any) -> None:
    note = "仅显示前 {shown} 行；完整数据请下载 CSV 或 XLSX。"
    path, drawn = pdf_file(tmp_path, make_table(unit_rows(50)), max_rows=20, truncated_note=note)
    text = poppler("pdftotext", path, "-layout")
    assert drawn == 20
    assert "U00019" in text and "U00020" not in text
    pages = text.split("\f")
    assert "仅显示前 20 行" in pages[0] and "仅显示前 20 行" in pages[-2]


def test_pdf_wraps_long_text_and_cuts_very_long_text(tmp_path: Path, poppler: Any) -> None:
    long_name = "数字政府建设领导小组办公室" * 40
    rows = [
        ("A1", long_name, 1, 50.0, None, None, None),
        ("A2", "市数据局", 2, 60.0, None, None, None),
    ]
    path, _ = pdf_file(tmp_path, make_table(rows))
    text = poppler("pdftotext", path, "-layout")
    assert "…" in text and "市数据局" in text
    assert text.count("数字政府建设领导小组办公室") < 40


def test_pdf_memory_is_bounded_by_the_row_cap(tmp_path: Path) -> None:
    def export_rows(count: int) -> None:
        with open(tmp_path / "capped.pdf", "wb") as out:
            write_pdf(make_table(unit_rows(count)), out, max_rows=300)

    export_rows(10)
    assert peak_memory(export_rows, 30_000) - peak_memory(export_rows, 300) < 1024 * 1024


# --- One entry point ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_export_and_stream_give_the_same_bytes_kind(fmt: str) -> None:
    written = io.BytesIO()
    export(make_table(unit_rows(3)), fmt, written)
    streamed = b"".join(stream(make_table(unit_rows(3)), fmt))
    magic = {"csv": b"\xef\xbb\xbfunit_code", "xlsx": b"PK", "pdf": b"%PDF"}[fmt]
    assert written.getvalue().startswith(magic) and streamed.startswith(magic)
    assert FORMATS[fmt].extension == fmt


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown report format"):
        export(make_table([]), "html", io.BytesIO())


def test_counted_reports_the_rows_an_export_read() -> None:
    table, rows = counted(make_table(unit_rows(7)))
    b"".join(csv_chunks(table))
    assert rows.count == 7


def test_content_disposition_keeps_chinese_names_with_an_ascii_fallback() -> None:
    header = content_disposition("单位报告 A1.xlsx")
    assert header.startswith('attachment; filename="A1.xlsx"; ')
    assert header.endswith("filename*=UTF-8''%E5%8D%95%E4%BD%8D%E6%8A%A5%E5%91%8A%20A1.xlsx")


def test_the_same_rows_give_the_same_numbers_in_csv_and_xlsx() -> None:
    rows = list(unit_rows(25))
    records = csv_records(make_table(iter(rows)))[1:]
    sheet = xlsx_workbook(make_table(iter(rows))).worksheets[0]
    cells = list(sheet.iter_rows(min_row=2, values_only=True))
    for record, cell in zip(records, cells, strict=True):
        assert record[2] == str(cell[2])
        assert record[3] == f"{cell[3] * 100:.1f}"
        assert record[4] == f"{cell[4]:.2f}"
