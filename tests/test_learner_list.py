"""The learner list at any size: keyset pages (no OFFSET) in four orders, search, cursors."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.assignments.services import assign
from app.db import db
from app.models import Course, Enrollment
from tests import factories
from tests.conftest import Auth

COURSE = (
    "---\nid: {id}\ntitle: Course {id}\nsummary: S.\nlanguage: en\ncredit_hours: 1\n"
    "status: published\n---\nOverview.\n"
)
LESSON = "---\ntitle: Read\nminutes: 5\n---\nText.\n"
PEOPLE = 61  # and hana (HR, in the unit too): with 2 courses, 124 rows, three pages of 50


@pytest.fixture
def crowd(app, sync_course):
    """CITY > (EAST, WEST) with 61 learners holding c1 (due 2026-06-30) and c2 (no due date)."""
    for slug in ("c1", "c2"):
        sync_course({"course.md": COURSE.format(id=slug), "01-m/01-read.md": LESSON}, folder=slug)
    w = db.new_session()
    city = factories.unit(w, "CITY", "City")
    east = factories.unit(w, "EAST", "East", parent=city)
    west = factories.unit(w, "WEST", "West", parent=city)
    c1 = w.scalar(select(Course).where(Course.slug == "c1"))
    c2 = w.scalar(select(Course).where(Course.slug == "c2"))
    assign(w, city, c1, due_date=date(2026, 6, 30))
    assign(w, city, c2, due_date=None)
    for n in range(PEOPLE):
        name = "王小明" if n == 7 else f"Person {n:03d}"
        person = factories.user(
            w, f"p{n:03d}", unit=east if n % 2 else west, password=None, full_name=name
        )
        if n % 3 == 0:
            w.add(
                Enrollment(
                    user_id=person.id,
                    course_id=c1.id,
                    status="completed",
                    completed_lessons=1,
                    percent=100.0,
                    credit_hours_awarded=1.0,
                    completed_at=datetime(2026, 3, 1, tzinfo=UTC),
                )
            )
    factories.user(w, "hana", roles={"hr"}, unit=city)
    w.commit()
    w.close()
    client = app.test_client()
    Auth(client).login("hana")
    return client


def _rows(html: str) -> list[tuple[str, str]]:
    """(username, course title) of each row of the page."""
    return re.findall(
        r'<td><a href="[^"]+">([a-z0-9]+)</a></td><td>[^<]*</td>\s*<td>([^<]+)</td>', html
    )


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def _walk(client, first: str) -> list[list[tuple[str, str]]]:  # noqa: ANN001
    pages, url = [], first
    while url:
        html = client.get(url).text
        pages.append(_rows(html))
        url = _link(html, "next")
    return pages


@pytest.mark.parametrize("sort", ["unit", "name", "status", "due"])
def test_every_row_is_on_exactly_one_page_in_every_order(crowd, sort):
    pages = _walk(crowd, f"/reports/units/CITY/learners?sort={sort}")
    rows = [row for page in pages for row in page]
    assert [len(page) for page in pages] == [50, 50, 24]
    assert len(set(rows)) == len(rows) == 2 * (PEOPLE + 1)


def test_the_orders_are_what_they_say(crowd):
    by_name = [
        row for page in _walk(crowd, "/reports/units/CITY/learners?sort=name") for row in page
    ]
    # Hana, then Person 000 … Person 060, then 王小明 (p007), each with both courses.
    assert by_name[:4] == [
        ("hana", "Course c1"),
        ("hana", "Course c2"),
        ("p000", "Course c1"),
        ("p000", "Course c2"),
    ]
    assert by_name[-2:] == [("p007", "Course c1"), ("p007", "Course c2")]
    by_due = [row for page in _walk(crowd, "/reports/units/CITY/learners?sort=due") for row in page]
    assert {course for _user, course in by_due[: PEOPLE + 1]} == {"Course c1"}  # dated first
    by_status = [
        row for page in _walk(crowd, "/reports/units/CITY/learners?sort=status") for row in page
    ]
    completed = [(f"p{n:03d}", "Course c1") for n in range(0, PEOPLE, 3)]
    assert sorted(by_status[: len(completed)]) == completed  # "completed" sorts first


def test_previous_goes_back_to_the_same_rows(crowd):
    first = crowd.get("/reports/units/CITY/learners?sort=name").text
    second = crowd.get(_link(first, "next")).text
    third = crowd.get(_link(second, "next")).text
    assert _link(first, "prev") is None and _link(third, "next") is None
    back = crowd.get(_link(third, "prev")).text
    assert _rows(back) == _rows(second)
    assert _rows(crowd.get(_link(back, "prev")).text) == _rows(first)


def test_search_finds_a_name_or_a_username_and_keeps_the_filter_in_the_links(crowd):
    html = crowd.get("/reports/units/CITY/learners?q=小明").text
    assert _rows(html) == [("p007", "Course c1"), ("p007", "Course c2")]
    assert "2 rows." in html
    rows = _rows(crowd.get("/reports/units/CITY/learners?q=P05").text)
    assert {user for user, _course in rows} == {f"p05{n}" for n in range(10)}
    html = crowd.get("/reports/units/CITY/learners?q=Person&sort=name").text
    assert "q=Person" in _link(html, "next")
    csv_text = crowd.get("/reports/units/CITY/learners?q=小明&format=csv").text
    assert len(csv_text.strip().splitlines()) == 3  # the header and p007's two courses


def test_a_deep_page_costs_what_the_first_costs_and_no_offset_is_used(crowd, count_queries):
    first = crowd.get("/reports/units/CITY/learners?sort=due").text
    last_url = _link(crowd.get(_link(first, "next")).text, "next")
    with count_queries() as at_start:
        crowd.get("/reports/units/CITY/learners?sort=due")
    with count_queries() as deep:
        assert len(_rows(crowd.get(last_url).text)) == 24
    assert deep.count == at_start.count
    # SQLite writes every LIMIT as "LIMIT ? OFFSET ?", with an offset of 0: look for one
    # that skips rows.
    assert not [s for s in deep.statements if re.search(r"OFFSET (?!\?|0\b)", s.upper())]
    listing = [s for s in deep.statements if "LIMIT" in s.upper() and "DUE_DATE" in s.upper()]
    assert len(listing) == 1
    assert re.search(r"\)\s*>\s*\(", listing[0])  # the page starts after a row, by keyset


@pytest.mark.parametrize(
    "query", ["sort=age", "after=not-a-cursor", "after=WzEsMl0", "before=%E2%9C%93"]
)
def test_an_unknown_order_or_a_broken_cursor_is_a_bad_request(crowd, query):
    assert crowd.get(f"/reports/units/CITY/learners?{query}").status_code == 400


@pytest.mark.parametrize("page", ["/learners", "", "/courses/c1"])
def test_every_report_page_says_when_its_figures_were_read(crowd, page):
    html = crowd.get(f"/reports/units/CITY{page}", headers={"Accept-Language": "zh-CN"}).text
    assert "数据截至" in html
