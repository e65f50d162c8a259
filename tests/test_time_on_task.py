"""Time on task accrues for one lesson at a time: open tabs share the wall clock."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.db import db
from app.models import LearnerClock, Lesson, LessonProgress, User
from app.progress import recording as progress
from tests.test_learning import _files

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LESSONS = ("a", "b", "c")


@pytest.fixture
def opened(sync_course, make_user, auth, client, session):
    """ann has opened every lesson of the course (each has its progress row)."""
    sync_course(_files())
    make_user("ann")
    auth.login("ann")
    for slug in LESSONS:
        client.get(f"/courses/basics/lessons/{slug}")
    return session.scalar(select(User.id).where(User.username == "ann"))


def _beat(user_id: int, slug: str, at: datetime) -> int:
    writer = db.new_session()
    try:
        lesson = writer.scalar(select(Lesson).where(Lesson.slug == slug))
        total = progress.record_heartbeat(writer, writer.get(User, user_id), lesson, now=at)
        writer.commit()
        return total
    finally:
        writer.close()


def _total_seconds(session, user_id: int) -> int:  # noqa: ANN001
    session.commit()  # end the test's transaction, to read what the beats committed
    return session.scalar(
        select(func.sum(LessonProgress.seconds_spent)).where(LessonProgress.user_id == user_id)
    )


def test_three_open_lessons_beating_together_earn_the_wall_clock_once(opened, session):
    # Each tab beats every 30 s, the three 10 s apart, for 5 minutes: 30 beats in all.
    for step in range(10):
        for offset, slug in enumerate(LESSONS):
            _beat(opened, slug, START + timedelta(seconds=30 * step + 10 * offset))
    last = START + timedelta(seconds=30 * 9 + 20)
    wall_clock = (last - START).total_seconds() + progress.HEARTBEAT_SECONDS
    # Counted per lesson, the three would have earned 3 x 10 x 30 s = 900 s.
    assert _total_seconds(session, opened) == wall_clock == 320


def test_a_second_lesson_beating_at_once_earns_nothing(opened):
    assert _beat(opened, "a", START) == 30
    assert _beat(opened, "b", START) == 0
    assert _beat(opened, "a", START + timedelta(seconds=30)) == 60


def test_after_a_break_a_beat_earns_one_interval_whichever_lesson(opened):
    _beat(opened, "a", START)
    assert _beat(opened, "b", START + timedelta(hours=2)) == 30


def test_a_beat_from_the_past_earns_nothing_and_does_not_move_the_clock_back(opened, session):
    _beat(opened, "a", START)
    assert _beat(opened, "b", START - timedelta(seconds=20)) == 0
    session.commit()  # end the test's transaction, to read what the beats committed
    assert session.scalar(select(LearnerClock.beat_at)) == START


def test_each_learner_has_a_clock_of_their_own(opened, make_user, session):
    bea = make_user("bea")
    session.add(
        LessonProgress(
            user_id=bea.id,
            lesson_id=session.scalar(select(Lesson.id).where(Lesson.slug == "a")),
            course_id=session.scalar(select(Lesson.course_id).where(Lesson.slug == "a")),
        )
    )
    session.commit()
    assert _beat(opened, "a", START) == 30
    assert _beat(bea.id, "a", START) == 30


def test_first_beats_from_two_tabs_at_once_are_counted_one_after_the_other(opened, session):
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def tab(slug: str) -> None:
        try:
            barrier.wait(timeout=10)
            _beat(opened, slug, START)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=tab, args=(slug,)) for slug in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert _total_seconds(session, opened) == 30
    assert session.scalar(select(func.count()).select_from(LearnerClock)) == 1


def test_the_heartbeat_endpoint_shares_the_clock_between_lessons(opened, client):
    page = client.get("/courses/basics/lessons/a")
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
    headers = {"X-CSRFToken": token}
    first = client.post("/courses/basics/lessons/a/heartbeat", headers=headers).get_json()
    second = client.post("/courses/basics/lessons/b/heartbeat", headers=headers).get_json()
    assert first == {"seconds": 30}
    # The second tab's beat follows the first within a second: it earns at most that second.
    assert second["seconds"] <= 1
