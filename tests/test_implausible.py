"""HR's "patterns to look at": many credit hours in one local day, courses completed in under a
third of their estimated time; only the HR officer's subtree, a fixed number of queries."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.credits.ledger import write_entry
from app.models import Course, Enrollment, Lesson, LessonProgress, User
from app.models.types import utcnow
from tests import factories

COURSE = (
    "---\nid: c1\ntitle: Data basics\nsummary: S.\nlanguage: en\ncredit_hours: 1\n"
    "status: published\n---\nOverview.\n"
)
READ = "---\ntitle: {title}\nminutes: 30\n---\nText.\n"
PAGE = "/reports/units/CITY/implausible?from=2026-03-01&to=2026-03-31"


def _at(local: str) -> datetime:
    """A Beijing wall-clock time as the UTC instant the ledger stores."""
    return datetime.fromisoformat(local + "+08:00").astimezone(UTC)


@pytest.fixture
def world(session, sync_course):
    city = factories.unit(session, "CITY", "City")
    district = factories.unit(session, "DIST", "District", parent=city)
    other = factories.unit(session, "OTHER", "Other city")
    factories.user(session, "hana", roles={"hr"}, unit=city)
    people = {
        name: factories.user(session, name, unit=unit)
        for name, unit in (("ann", district), ("bob", district), ("carl", other))
    }
    session.commit()
    sync_course(
        {
            "course.md": COURSE,
            "01-m/01-a.md": READ.format(title="A"),
            "01-m/02-b.md": READ.format(title="B"),
        }
    )
    return people


def _credit(session, user: User, hours: float, at: datetime) -> None:  # noqa: ANN001
    write_entry(session, user, hours=hours, source="offline_training", parts=[], at=at)


def _completed(session, user: User, minutes_each: int, at: datetime) -> None:  # noqa: ANN001
    course = session.scalar(select(Course))
    session.add(
        Enrollment(
            user_id=user.id,
            course_id=course.id,
            status="completed",
            completed_lessons=2,
            percent=100.0,
            credit_hours_awarded=1.0,
            started_at=at,
            completed_at=at,
        )
    )
    for lesson in session.scalars(select(Lesson).where(Lesson.course_id == course.id)):
        session.add(
            LessonProgress(
                user_id=user.id,
                lesson_id=lesson.id,
                course_id=course.id,
                seconds_spent=minutes_each * 60,
                completed_at=at,
            )
        )


def _section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    following = html.find("<h2", start + 1)
    return html[start : following if following > 0 else len(html)]


def test_many_hours_in_one_local_day_are_listed_for_the_hr_of_the_unit_above(
    world, session, client, auth
):
    ann, bob, carl = world["ann"], world["bob"], world["carl"]
    _credit(session, ann, 5, _at("2026-03-02T10:00:00"))
    _credit(session, ann, 4, _at("2026-03-02T23:30:00"))
    # The same UTC day (16:30 on 2 March), but the next day in Beijing: not counted with it.
    _credit(session, ann, 4, _at("2026-03-03T00:30:00"))
    _credit(session, bob, 8, _at("2026-03-05T09:00:00"))  # 8 is not more than 8
    _credit(session, carl, 12, _at("2026-03-05T09:00:00"))  # another unit's learner
    session.commit()
    auth.login("hana")
    busy = _section(client.get(PAGE).text, "busy-heading")
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</th>(.*?)</tr>", busy, re.S)
    assert [name for name, _cells in rows] == ["Ann"]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", rows[0][1], re.S)
    assert re.sub(r"<[^>]+>", "", cells[0]) == "ann"
    assert cells[2:] == ["Mar 2, 2026", "9", "2"]


def test_a_course_completed_in_under_a_third_of_its_estimate_is_listed(
    world, session, client, auth
):
    when = _at("2026-03-10T15:00:00")
    _completed(session, world["ann"], 9, when)  # 18 of 60 minutes: under a third
    _completed(session, world["bob"], 10, when)  # 20 of 60: exactly a third, not under
    _completed(session, world["carl"], 1, when)  # another unit's learner
    session.commit()
    auth.login("hana")
    fast = _section(client.get(PAGE).text, "fast-heading")
    assert re.findall(r"<th scope=\"row\">(.*?)</th>", fast) == ["Ann"]
    assert '<td class="num">18</td><td class="num">60</td>' in fast


def test_the_period_defaults_to_the_last_30_days_and_nothing_found_says_so(
    world, session, client, auth
):
    _credit(session, world["ann"], 9, utcnow() - timedelta(days=40))
    session.commit()
    auth.login("hana")
    page = client.get("/reports/units/CITY/implausible").text
    assert "Nobody in this unit was credited with more than 8 hours in one day" in page
    assert "No course was completed in under a third of its estimated time" in page
    _credit(session, world["ann"], 9, utcnow())
    session.commit()
    busy = _section(client.get("/reports/units/CITY/implausible").text, "busy-heading")
    assert re.findall(r"<th scope=\"row\">(.*?)</th>", busy) == ["Ann"]


def test_the_page_needs_no_more_queries_for_more_learners(
    world, session, client, auth, count_queries
):
    auth.login("hana")
    district = world["ann"].unit

    def queries_for_page() -> int:
        with count_queries() as queries:
            assert client.get(PAGE).status_code == 200
        return queries.count

    _credit(session, world["ann"], 9, _at("2026-03-02T10:00:00"))
    _completed(session, world["ann"], 1, _at("2026-03-02T10:00:00"))
    session.commit()
    few = queries_for_page()
    for n in range(15):
        person = factories.user(session, f"p{n}", unit=district)
        _credit(session, person, 9, _at("2026-03-04T10:00:00"))
        _completed(session, person, 1, _at("2026-03-04T10:00:00"))
    session.commit()
    assert queries_for_page() == few


def test_a_period_ending_before_it_starts_is_a_bad_request(world, client, auth):
    auth.login("hana")
    assert (
        client.get("/reports/units/CITY/implausible?from=2026-03-05&to=2026-03-01").status_code
        == 400
    )


def test_the_page_reads_in_chinese(world, session, client, auth):
    _credit(session, world["ann"], 9, _at("2026-03-02T10:00:00"))
    session.commit()
    auth.login("hana")
    page = client.get(PAGE, headers={"Accept-Language": "zh-CN"}).text
    assert "一天内学时超过 8 学时" in page
    assert "2026年3月2日" in page
