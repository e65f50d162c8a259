"""Unit reports: arithmetic against a hand-computed fixture, formats agree, scope, audit, scale."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.assignments.services import assign
from app.credits.ledger import backfill_completions
from app.db import db
from app.models import AuditEvent, Course, Enrollment, Unit, User
from tests import factories

COURSE = (
    "---\nid: {id}\ntitle: Course {id}\nsummary: S.\nlanguage: en\ncredit_hours: 2\n"
    "status: published\n---\nOverview.\n"
)
LESSON = "---\ntitle: Lesson {n}\nminutes: 5\n---\nText.\n"
PAST, FUTURE = date(2020, 1, 1), date(2999, 1, 1)


def _course_files(slug: str) -> dict[str, str]:
    files = {"course.md": COURSE.format(id=slug)}
    for n in range(1, 4):
        files[f"01-m/0{n}-l{n}.md"] = LESSON.format(n=n)
    return files


def _enroll(writer, user, course, status, *, best=None, when=None):  # noqa: ANN001, ANN202
    writer.add(
        Enrollment(
            user_id=user.id,
            course_id=course.id,
            status=status,
            completed_lessons=3 if status == "completed" else 1,
            percent=100.0 if status == "completed" else 33.3,
            best_score=best,
            started_at=datetime(2026, 1, 2, tzinfo=UTC),
            completed_at=when,
            completed_version=1 if when else None,
            credit_hours_awarded=2.0 if status == "completed" else 0.0,
        )
    )


@pytest.fixture
def org(app, sync_course):
    """PROV > CITY > (COUNTY1, COUNTY2), OTHER; c1 assigned to PROV (past due), c2 to COUNTY1."""
    sync_course(_course_files("c1"), folder="c1")
    sync_course(_course_files("c2"), folder="c2")
    w = db.new_session()
    prov = factories.unit(w, "PROV", "Province")
    city = factories.unit(w, "CITY", "City", parent=prov)
    county1 = factories.unit(w, "COUNTY1", "County one", parent=city)
    county2 = factories.unit(w, "COUNTY2", "County two", parent=city)
    other = factories.unit(w, "OTHER", "Other province")
    c1 = w.scalar(select(Course).where(Course.slug == "c1"))
    c2 = w.scalar(select(Course).where(Course.slug == "c2"))
    assign(w, prov, c1, due_date=PAST)
    assign(w, other, c1, due_date=PAST)
    assign(w, county1, c2, due_date=FUTURE)

    def person(name, unit, **kw):  # noqa: ANN001, ANN003, ANN202
        return factories.user(w, name, unit=unit, password=None, **kw)

    a, b = person("a", county1), person("b", county1)
    c, e = person("c", county2), person("e", other)
    person("d", city)  # assigned c1 through CITY, has not started
    f = person("f", county1)
    f.is_active = False
    _enroll(w, a, c1, "completed", best=90, when=datetime(2026, 3, 10, 4, tzinfo=UTC))
    _enroll(w, a, c2, "in_progress")
    _enroll(w, b, c1, "in_progress")
    _enroll(w, c, c1, "completed", best=70, when=datetime(2026, 5, 20, 4, tzinfo=UTC))
    _enroll(w, e, c1, "completed", best=50, when=datetime(2026, 5, 20, 4, tzinfo=UTC))
    _enroll(w, f, c1, "completed", best=10, when=datetime(2026, 5, 20, 4, tzinfo=UTC))
    factories.user(w, "hana", roles={"hr"}, unit=city)
    factories.user(w, "omar", roles={"hr"}, unit=other)
    factories.user(w, "root", roles={"admin"}, unit=prov)
    factories.user(w, "tess", roles={"trainer"}, unit=city)
    factories.user(w, "lena", roles={"learner"}, unit=city)
    # The enrollments were written around the app: give them their ledger entries, as
    # `credits backfill` does, since every report total is a sum of the ledger.
    w.flush()
    with app.app_context():
        backfill_completions(w)
    w.commit()
    w.close()


def _csv(response) -> list[dict[str, str]]:  # noqa: ANN001
    assert response.status_code == 200, response.status_code
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def _login(app, username):  # noqa: ANN001, ANN202
    from tests.conftest import Auth

    client = app.test_client()
    assert Auth(client).login(username).status_code == 302
    return client


EXPECTED = {
    # unit_code: learners, assigned, completed, in_progress, not_started, overdue, rate, avg, hours
    "COUNTY1": ("2", "4", "1", "2", "1", "1", "25.0", "90.0", "2.0"),  # f is inactive
    "COUNTY2": ("1", "1", "1", "0", "0", "0", "100.0", "70.0", "2.0"),
}


def test_unit_report_arithmetic(app, org):
    rows = _csv(_login(app, "root").get("/reports/units/CITY?format=csv"))
    keys = (
        "learners",
        "assigned",
        "completed",
        "in_progress",
        "not_started",
        "overdue",
        "completion_rate",
        "avg_score",
        "credit_hours",
    )
    by_code = {}
    for row in rows:
        by_code.setdefault(row["unit_code"], []).append(row)
    for code, expected in EXPECTED.items():
        assert tuple(by_code[code][0][k] for k in keys) == expected, code
    # hana, tess, lena and d sit directly in CITY: d and the three staff hold c1.
    direct, total = by_code["CITY"]
    assert direct["assigned"] == "4" and direct["not_started"] == "4" and direct["overdue"] == "4"
    assert total["unit_name"].endswith("City")
    assert (total["learners"], total["assigned"], total["completed"]) == ("7", "9", "2")
    assert (total["in_progress"], total["not_started"], total["overdue"]) == ("2", "5", "5")
    assert (total["completion_rate"], total["avg_score"], total["credit_hours"]) == (
        "22.2",
        "80.0",
        "4.0",
    )


def test_inactive_learners_and_other_units_are_left_out(app, org):
    rows = _csv(_login(app, "root").get("/reports/units/CITY/learners?format=csv"))
    names = {r["username"] for r in rows}
    assert "f" not in names and "e" not in names
    assert {"a", "b", "c", "d"} <= names


def test_completion_period_filter(app, org):
    rows = _csv(
        _login(app, "root").get("/reports/units/CITY?format=csv&from=2026-04-01&to=2026-06-30")
    )
    county1 = next(r for r in rows if r["unit_code"] == "COUNTY1")
    assert (county1["completed"], county1["credit_hours"]) == ("0", "0.0")
    total = rows[-1]
    assert (total["completed"], total["credit_hours"], total["avg_score"]) == ("1", "2.0", "70.0")


def test_course_filter(app, org):
    rows = _csv(_login(app, "root").get("/reports/units/CITY?format=csv&course=c2"))
    assert rows[-1]["assigned"] == "2"  # a and b in COUNTY1


def test_learner_list_header_and_status_filter(app, org):
    client = _login(app, "root")
    response = client.get("/reports/units/CITY/learners?format=csv&status=overdue")
    text = response.data.decode("utf-8-sig")
    assert text.splitlines()[0] == (
        "username,full_name,unit_code,unit_name,course_id,course_title,status,due_date,"
        "completed_at,best_score,credit_hours"
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["username"] for r in rows} == {"b", "d", "hana", "tess", "lena"}
    assert all(r["status"] == "overdue" for r in rows)


def test_all_formats_carry_the_same_numbers(app, org):
    client = _login(app, "root")
    rows = _csv(client.get("/reports/units/CITY?format=csv"))
    book = load_workbook(io.BytesIO(client.get("/reports/units/CITY?format=xlsx").data))
    sheet = book.worksheets[0]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    header_at = next(i for i, r in enumerate(values) if r and r[0] == "Unit code")
    data = values[header_at + 1 :]
    assert len(data) == len(rows)
    for csv_row, xlsx_row in zip(rows, data, strict=True):
        assert csv_row["unit_code"] == xlsx_row[0]
        assert int(csv_row["assigned"]) == xlsx_row[3]
        if csv_row["completion_rate"]:
            assert float(csv_row["completion_rate"]) == pytest.approx(xlsx_row[8] * 100)
    html = client.get("/reports/units/CITY").text
    assert "22.2%" in html and "25.0%" in html
    pdf = client.get("/reports/units/CITY?format=pdf")
    assert pdf.data.startswith(b"%PDF")


def test_pdf_shows_the_unit_and_the_figures(app, org, tmp_path):
    import shutil
    import subprocess

    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) not installed")
    path = tmp_path / "r.pdf"
    path.write_bytes(_login(app, "root").get("/reports/units/CITY?format=pdf").data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True
    ).stdout
    assert "City (CITY)" in text and "22.2" in text and "County one" in text


def test_text_that_looks_like_a_formula_is_inert(app, org):
    w = db.new_session()
    user = w.scalar(select(User).where(User.username == "a"))
    user.full_name = '=HYPERLINK("http://evil.example","x")'
    w.commit()
    w.close()
    client = _login(app, "root")
    rows = _csv(client.get("/reports/units/CITY/learners?format=csv"))
    assert any(r["full_name"] == '\'=HYPERLINK("http://evil.example","x")' for r in rows)
    book = load_workbook(io.BytesIO(client.get("/reports/units/CITY/learners?format=xlsx").data))
    cells = [
        c
        for row in book.worksheets[0].iter_rows()
        for c in row
        if c.value and "HYPERLINK" in str(c.value)
    ]
    assert cells and all(c.data_type == "s" for c in cells)


REPORT_URLS = [
    "/reports/units/{code}",
    "/reports/units/{code}/learners",
    "/reports/units/{code}/courses/c1",
]
FORMATS = ["", "?format=csv", "?format=xlsx", "?format=pdf"]
# who, unit code, expected status
MATRIX = [
    ("hana", "CITY", 200),
    ("hana", "COUNTY1", 200),
    ("hana", "PROV", 404),
    ("hana", "OTHER", 404),
    ("hana", "NOPE", 404),
    ("omar", "CITY", 404),
    ("omar", "OTHER", 200),
    ("root", "CITY", 200),
    ("root", "OTHER", 200),
    ("tess", "CITY", 404),
    ("lena", "CITY", 404),
]


@pytest.mark.parametrize(("who", "code", "status"), MATRIX)
def test_report_access_matrix_every_url_and_format(app, org, who, code, status):
    client = _login(app, who)
    for url in REPORT_URLS:
        for fmt in FORMATS:
            path = url.format(code=code) + fmt
            response = client.get(path)
            # Closing ends a streamed download, and with it the request's transaction.
            response.close()
            assert response.status_code == status, path


def test_visitors_are_sent_to_sign_in(app, org):
    for url in REPORT_URLS:
        response = app.test_client().get(url.format(code="CITY") + "?format=csv")
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_filters_cannot_reach_outside_the_scope(app, org):
    client = _login(app, "hana")
    assert client.get("/reports/units/CITY?course=nope").status_code == 404
    assert client.get("/reports/units/CITY?from=yesterday").status_code == 400
    assert client.get("/reports/units/CITY?format=docx").status_code == 400
    assert client.get("/reports/units/OTHER?course=c1&format=csv").status_code == 404


def test_downloads_are_audited(app, org, session):
    client = _login(app, "hana")
    client.get("/reports/units/CITY/learners?format=xlsx&course=c1").close()
    event_ = session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == "report_downloaded")
        .order_by(AuditEvent.id.desc())
    )
    assert event_.subject == "CITY"
    assert event_.details["format"] == "xlsx"
    assert event_.details["report"] == "learners"
    assert event_.details["course"] == "c1"
    assert event_.details["rows"] == 7
    hana = session.scalar(select(User.id).where(User.username == "hana"))
    assert event_.actor_id == hana


def test_hr_index_starts_at_their_unit(app, org):
    response = _login(app, "hana").get("/reports/")
    assert response.headers["Location"].endswith("/reports/units/CITY")


def test_chart_and_drill_down_links(app, org):
    html = _login(app, "hana").get("/reports/units/CITY").text
    assert 'role="img"' in html and "Completion rate by unit" in html
    assert 'href="/reports/units/COUNTY1"' in html


def test_cli_export(runner, org, tmp_path):
    out = tmp_path / "city.csv"
    result = runner.invoke(
        args=["reports", "export", "--unit", "CITY", "--format", "csv", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[-1]["assigned"] == "9"
    pdf = tmp_path / "learners.pdf"
    result = runner.invoke(
        args=[
            "reports",
            "export",
            "--unit",
            "CITY",
            "--format",
            "pdf",
            "--report",
            "learners",
            "--out",
            str(pdf),
        ]
    )
    assert result.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF")


def test_reports_run_the_same_number_of_queries_at_two_sizes(app, org, count_queries):
    client = _login(app, "root")
    urls = [
        "/reports/units/PROV",
        "/reports/units/PROV?format=csv",
        # A period of whole months (month buckets) and one that is not (the learners' rows).
        "/reports/units/PROV?format=csv&from=2026-01-01&to=2026-12-31",
        "/reports/units/PROV?format=csv&from=2026-01-02&to=2026-12-31&course=c1",
        "/reports/units/PROV/learners",
        "/reports/units/PROV/learners?format=csv",
        "/reports/units/PROV/courses/c1",
    ]

    def queries_of(url: str) -> int:
        with count_queries() as queries:
            response = client.get(url)
            assert response.status_code == 200
            assert response.data  # a download runs its queries while it streams
            response.close()
        return queries.count

    small = [queries_of(url) for url in urls]
    w = db.new_session()
    county1 = w.scalar(select(Unit).where(Unit.code == "COUNTY1"))
    for i in range(6):
        unit = factories.unit(w, f"EXTRA{i}", parent=county1)
        for j in range(8):
            factories.user(w, f"x{i}-{j}", unit=unit, password=None)
    w.commit()
    w.close()
    large = [queries_of(url) for url in urls]
    assert small == large


def test_report_credit_hours_are_ledger_sums_in_the_same_number_of_queries(
    app, org, count_queries
):
    """An adjustment counts in the unit report; a course's report and the learner list show
    only that course's awards; growing the ledger adds no query."""
    from app.credits.ledger import adjust

    client = _login(app, "root")

    def adjust_all(usernames: list[str], hours: float) -> None:
        w = db.new_session()
        with app.app_context():
            for name in usernames:
                learner = w.scalar(select(User).where(User.username == name))
                adjust(w, learner, hours, reason="Seminar", year=2026, actor=None)
        w.commit()
        w.close()

    def hours(url: str) -> tuple[dict[str, str], int]:
        with count_queries() as queries:
            response = client.get(url)
            rows = _csv(response)
        totals = {row["unit_code"]: row["credit_hours"] for row in rows}
        return totals, queries.count

    adjust_all(["a"], 1.5)
    totals, small = hours("/reports/units/CITY?format=csv")
    assert (totals["COUNTY1"], totals["COUNTY2"], totals["CITY"]) == ("3.5", "2.0", "5.5")
    by_course, small_course = hours("/reports/units/CITY?format=csv&course=c1")
    assert by_course["COUNTY1"] == "2.0"
    learners = _csv(client.get("/reports/units/CITY/learners?format=csv"))
    by_pair = {(r["username"], r["course_id"]): r["credit_hours"] for r in learners}
    assert by_pair[("a", "c1")] == "2.0"

    w = db.new_session()
    county2 = w.scalar(select(Unit).where(Unit.code == "COUNTY2"))
    names = []
    for i in range(3):
        unit = factories.unit(w, f"MORE{i}", parent=county2)
        for j in range(5):
            names.append(factories.user(w, f"m{i}-{j}", unit=unit, password=None).username)
    w.commit()
    w.close()
    adjust_all(names, 1.0)
    totals, large = hours("/reports/units/CITY?format=csv")
    assert (totals["COUNTY2"], totals["CITY"]) == ("17.0", "20.5")
    assert hours("/reports/units/CITY?format=csv&course=c1")[1] == small_course
    assert large == small
