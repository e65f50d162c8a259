"""A lesson without `minutes`: sync stores the estimate, and the pages and time cap use it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.models import Lesson
from app.progress.recording import time_cap_seconds

COURSE_MD = """---
id: estimated
title: Estimated course
summary: Lessons that leave out their minutes.
language: en
credit_hours: 1
status: published
---
Overview.
"""

# 450 words of text (3 minutes) and one question (1 minute): 4 minutes.
ESTIMATED = (
    "---\ntitle: Estimated lesson\n---\n"
    + "word " * 450
    + "\n\n::: quiz\nid: q-one\ntype: truefalse\n\nTrue?\n\n= true\n:::\n"
)


def _files(lesson: str = ESTIMATED) -> dict[str, str]:
    return {"course.md": COURSE_MD, "01-start/01-reading.md": lesson}


def _lesson(session) -> Lesson:  # noqa: ANN001
    return session.scalar(select(Lesson).where(Lesson.slug == "reading"))


def test_sync_stores_the_estimate_and_says_so(runner, session, tmp_path: Path):
    root = tmp_path / "courses" / "estimated"
    for name, text in _files().items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    result = runner.invoke(args=["courses", "sync", str(root)])
    assert result.exit_code == 0, result.output
    assert (
        "01-start/01-reading.md:1: info: no minutes given; estimated 4 minutes from the text"
        " (450 words, 1 question)" in result.output
    )
    assert "estimated: added; lessons: 1 added" in result.output
    assert _lesson(session).minutes == 4


def test_the_time_cap_is_twice_the_estimate(sync_course, session):
    sync_course(_files())
    assert time_cap_seconds(_lesson(session), None) == 2 * 4 * 60


def test_course_and_lesson_pages_show_the_estimate(client, sync_course, make_user, auth):
    sync_course(_files())
    make_user("ann")
    auth.login("ann")
    assert "4 min" in client.get("/courses/estimated").text
    assert "About 4 minutes" in client.get("/courses/estimated/lessons/reading").text


def test_minutes_added_later_replace_the_estimate(sync_course, session):
    sync_course(_files())
    sync_course(_files(ESTIMATED.replace("lesson\n---", "lesson\nminutes: 9\n---")))
    assert _lesson(session).minutes == 9
