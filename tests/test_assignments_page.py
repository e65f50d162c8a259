"""The assignments list: a fixed number of queries however many assignments, 50 a page."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.assignments.services import ASSIGNMENTS_PER_PAGE, assign
from app.db import db
from app.models import Course
from tests import factories

COURSE = (
    "---\nid: {id}\ntitle: Course {id}\nsummary: S.\nlanguage: en\ncredit_hours: 1\n"
    "status: published\n---\nOverview.\n"
)
LESSON = "---\ntitle: L\nminutes: 5\n---\nText.\n"
COURSES = [f"c{i}" for i in range(6)]
UNITS = [f"TOWN{i}" for i in range(10)]


@pytest.fixture(params=["hr", "admin"])
def city(request, sync_course, auth):
    """Ten towns below CITY and six published courses, nothing assigned yet, and someone who
    manages them signed in (HR of CITY, or an administrator, who sees every unit).

    Returns a function making the first `count` of the 60 (town, course) assignments.
    """
    for slug in COURSES:
        sync_course({"course.md": COURSE.format(id=slug), "01-m/01-l.md": LESSON}, folder=slug)
    writer = db.new_session()
    city = factories.unit(writer, "CITY", "City")
    towns = [factories.unit(writer, code, f"Town {code}", parent=city) for code in UNITS]
    factories.user(writer, "manager", roles={request.param}, unit=city)
    writer.commit()
    auth.login("manager")
    courses = writer.scalars(select(Course).where(Course.slug.in_(COURSES))).all()
    # Town i % 10 with course (i % 10 + i // 10) % 6: every pair once, and the first six
    # assignments already spread over six towns and six courses.
    pairs = [(towns[i % 10], courses[(i % 10 + i // 10) % 6]) for i in range(60)]
    made = 0

    def assign_pairs(count: int) -> None:
        nonlocal made
        for town, course in pairs[made:count]:
            assign(writer, town, course, due_date=None)
        made = count
        writer.commit()

    yield assign_pairs
    writer.close()


def _rows(client: FlaskClient, url: str = "/assignments/") -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return re.findall(r'href="/assignments/\d+/remove"', response.text)


def _queries(client: FlaskClient, count_queries) -> int:  # noqa: ANN001
    with count_queries() as counted:
        assert client.get("/assignments/").status_code == 200
    return counted.count


def test_the_list_runs_the_same_queries_with_none_six_or_sixty_assignments(
    city, client, count_queries
):
    empty = _queries(client, count_queries)
    city(6)
    six = _queries(client, count_queries)
    city(60)
    sixty = _queries(client, count_queries)
    assert (empty, six, sixty) == (empty, empty, empty)


def test_the_list_shows_fifty_a_page_with_a_pager(city, client):
    city(60)
    first = client.get("/assignments/").text
    assert len(_rows(client)) == ASSIGNMENTS_PER_PAGE == 50
    assert "Page 1 of 2" in first
    assert 'rel="next" href="/assignments/?page=2"' in first and 'rel="prev"' not in first
    second = client.get("/assignments/?page=2").text
    assert len(_rows(client, "/assignments/?page=2")) == 10
    assert 'rel="prev" href="/assignments/?page=1"' in second and 'rel="next"' not in second


def test_the_pager_speaks_chinese(city, client):
    city(60)
    page = client.get("/assignments/", headers={"Accept-Language": "zh"}).text
    assert "第 1 页，共 2 页" in page and "下一页" in page
