"""Report exports agree with the app: local completion times, statuses in words where people
read them, one word per idea, a row kind for programs, a period that must make sense, whole
sheet names."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from openpyxl import load_workbook
from sqlalchemy import select, update

from app.db import db
from app.models import Enrollment, Unit, User
from tests.test_reports import _csv, _login, org  # noqa: F401  (the fixture)

ZH = {"Accept-Language": "zh-CN"}


def _xlsx_rows(response) -> list[tuple]:  # noqa: ANN001
    assert response.status_code == 200, response.status_code
    book = load_workbook(io.BytesIO(response.data))
    return list(book.worksheets[0].iter_rows(values_only=True))


def _complete_a_at(instant: datetime) -> None:
    writer = db.new_session()
    a = writer.scalar(select(User.id).where(User.username == "a"))
    writer.execute(
        update(Enrollment)
        .where(Enrollment.user_id == a, Enrollment.status == "completed")
        .values(completed_at=instant)
    )
    writer.commit()
    writer.close()


def test_completion_times_are_in_the_configured_zone_in_csv_and_xlsx(app, org):  # noqa: F811
    with app.app_context():
        _complete_a_at(datetime(2026, 12, 1, 22, 44, tzinfo=UTC))  # 06:44 on 2 Dec in Beijing
    client = _login(app, "root")
    rows = _csv(client.get("/reports/units/CITY/learners?format=csv"))
    assert [r["completed_at"] for r in rows if r["username"] == "a" and r["completed_at"]] == [
        "2026-12-02T06:44:00+08:00"
    ]
    sheet = _xlsx_rows(client.get("/reports/units/CITY/learners?format=xlsx"))
    header = list(sheet[0])
    at = header.index("Completed on")
    a_rows = [row for row in sheet[1:] if row[0] == "a" and row[at] is not None]
    assert [row[at] for row in a_rows] == [datetime(2026, 12, 2, 6, 44)]


def test_the_xlsx_shows_statuses_in_words_and_the_csv_keeps_the_codes(app, org):  # noqa: F811
    client = _login(app, "root")
    sheet = _xlsx_rows(client.get("/reports/units/CITY/learners?format=xlsx", headers=ZH))
    status = list(sheet[0]).index("状态")
    words = {row[status] for row in sheet[1:]}
    assert words == {"已完成", "学习中", "未开始", "已逾期"}
    codes = {r["status"] for r in _csv(client.get("/reports/units/CITY/learners?format=csv"))}
    assert codes == {"completed", "in_progress", "not_started", "overdue"}


def test_the_lesson_table_counts_learners_and_says_so(app, org):  # noqa: F811
    client = _login(app, "root")
    sheet = _xlsx_rows(client.get("/reports/units/CITY/courses/c1?format=xlsx", headers=ZH))
    assert list(sheet[0]) == ["模块", "课时", "开始学习人数", "完成人数", "完成率"]
    page = client.get("/reports/units/CITY/courses/c1", headers=ZH).text
    assert "开始时间" not in page


def test_the_unit_csv_says_what_kind_each_row_is_in_a_last_column(app, org):  # noqa: F811
    client = _login(app, "root")
    response = client.get("/reports/units/CITY?format=csv")
    header = response.data.decode("utf-8-sig").splitlines()[0].split(",")
    assert header[-1] == "row_kind" and header[:2] == ["unit_code", "unit_name"]
    kinds = [(r["unit_code"], r["row_kind"]) for r in _csv(response)]
    assert kinds == [
        ("COUNTY1", "subunit"),
        ("COUNTY2", "subunit"),
        ("CITY", "direct"),
        ("CITY", "total"),
    ]
    # People read the other formats, where the words in front of the name say it.
    sheet = _xlsx_rows(client.get("/reports/units/CITY?format=xlsx"))
    assert "Row kind" not in sheet[0]


def test_a_period_that_ends_before_it_starts_is_refused_with_what_to_do(app, org):  # noqa: F811
    client = _login(app, "root")
    for path in ("/reports/units/CITY", "/reports/units/CITY/learners?format=csv"):
        response = client.get(f"{path}{'&' if '?' in path else '?'}from=2026-06-30&to=2026-04-01")
        assert response.status_code == 400
        assert "Swap the two dates" in response.text
    response = client.get("/reports/units/CITY?from=2026-06-30&to=2026-04-01", headers=ZH)
    assert "请对调这两个日期" in response.text


def test_a_long_unit_name_gives_a_whole_sheet_name_not_a_cut_one(app, org):  # noqa: F811
    writer = db.new_session()
    writer.execute(
        update(Unit)
        .where(Unit.code == "CITY")
        .values(name="某某省某某市人民政府办公厅数字政府建设与政务服务管理处")
    )
    writer.commit()
    writer.close()
    client = _login(app, "root")
    for path, name in (
        ("/reports/units/CITY?format=xlsx", "单位 CITY"),
        ("/reports/units/CITY/learners?format=xlsx", "学员 CITY"),
        ("/reports/units/CITY/courses/c1?format=xlsx", "课时 CITY"),
    ):
        book = load_workbook(io.BytesIO(client.get(path, headers=ZH).data))
        assert book.sheetnames[0] == name
    # A title that fits keeps its name.
    book = load_workbook(io.BytesIO(client.get("/reports/units/COUNTY1?format=xlsx").data))
    assert book.sheetnames[0] == "Completion report County one"


def test_a_web_spreadsheet_stops_at_its_cap_and_says_how_to_get_every_row(
    app,
    org,  # noqa: F811
    monkeypatch,
):
    from app.reports import builders

    monkeypatch.setattr(builders, "WEB_XLSX_MAX_ROWS", 3)
    client = _login(app, "root")
    response = client.get("/reports/units/CITY/learners?format=xlsx")
    book = load_workbook(io.BytesIO(response.data))
    data, about = book.worksheets
    assert data.max_row == 1 + 3
    assert book.active.title == about.title  # the note is what opens first
    note = about.cell(row=2, column=1).value
    assert note.startswith("Only the first 3 rows are in this file")
    assert "flask --app app reports export --unit CITY --report learners --format xlsx" in note
    every = _csv(client.get("/reports/units/CITY/learners?format=csv"))
    assert len(every) > 3  # the CSV is not capped


def test_the_command_line_export_writes_every_row(runner, org, tmp_path, monkeypatch):  # noqa: F811
    from app.reports import builders

    monkeypatch.setattr(builders, "WEB_XLSX_MAX_ROWS", 3)
    out = tmp_path / "learners.xlsx"
    result = runner.invoke(
        args=[
            "reports",
            "export",
            "--unit",
            "CITY",
            "--report",
            "learners",
            "--format",
            "xlsx",
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert book.worksheets[0].max_row > 1 + 3
    assert book.active.title == book.worksheets[0].title
