"""`requires:` on the lesson page: the quiz waits, the page says what to complete, with links."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.models import LessonProgress, QuizAttempt
from tests.conftest import csrf_from

COURSE = """---
id: req-course
title: Requirements course
summary: For requires tests.
language: en
credit_hours: 1
status: published
---
Overview.
"""
INTRO = "---\ntitle: Introduction\nminutes: 5\n---\nRead this first.\n"
NOTES = "---\ntitle: Notes\nminutes: 5\nrequires: [intro]\n---\nMore reading.\n"
QUIZ = """---
title: Check
minutes: 5
requires: all
---
Answer.

::: quiz
id: q1
type: truefalse

Tea is a drink.

= true
:::
"""
TIMED = QUIZ.replace("requires: all\n", "requires: [intro]\ntime_limit_minutes: 5\n").replace(
    "id: q1", "id: q2"
)
BASE = "/courses/req-course/lessons"


@pytest.fixture
def learner(sync_course, make_user, auth):  # noqa: ANN001, ANN201
    sync_course(
        {
            "course.md": COURSE,
            "01-m/01-intro.md": INTRO,
            "01-m/02-notes.md": NOTES,
            "01-m/03-check.md": QUIZ,
            "01-m/04-timed.md": TIMED,
        }
    )
    user = make_user("ann")
    auth.login("ann")
    return user


def _complete(client, slug: str):  # noqa: ANN001, ANN202
    page = client.get(f"{BASE}/{slug}")
    return client.post(f"{BASE}/{slug}/complete", data={"csrf_token": csrf_from(page.text)})


def _attempts(session) -> int:  # noqa: ANN001
    return session.scalar(select(func.count(QuizAttempt.id)))


def test_a_quiz_waits_for_its_required_lessons_and_says_which(client, learner, session):
    page = client.get(f"{BASE}/check")
    assert page.status_code == 200
    assert "Complete these lessons first" in page.text
    assert 'href="/courses/req-course/lessons/intro"' in page.text
    assert 'href="/courses/req-course/lessons/notes"' in page.text
    assert 'name="attempt_token"' not in page.text
    assert _attempts(session) == 0


def test_starting_a_waiting_quiz_is_refused_with_what_to_complete(client, learner, session):
    page = client.get(f"{BASE}/timed")
    assert "Complete this lesson first" in page.text and "/quiz/start" not in page.text
    refused = client.post(
        f"{BASE}/timed/quiz/start", data={"csrf_token": csrf_from(page.text)}, follow_redirects=True
    )
    assert "Complete this lesson first: Introduction." in refused.text
    assert _attempts(session) == 0


def test_a_lesson_without_a_quiz_cannot_be_marked_complete_before_its_requirements(
    client, learner, session
):
    page = client.get(f"{BASE}/notes")
    assert "You can mark this lesson as complete once you have completed:" in page.text
    assert "/notes/complete" not in page.text
    refused = client.post(
        f"{BASE}/notes/complete", data={"csrf_token": csrf_from(page.text)}, follow_redirects=True
    )
    assert "Complete this lesson first: Introduction." in refused.text
    completed = session.scalar(
        select(func.count(LessonProgress.id)).where(LessonProgress.completed_at.is_not(None))
    )
    assert completed == 0


def test_once_the_required_lessons_are_done_the_quiz_opens(client, learner, session):
    assert _complete(client, "intro").status_code == 302
    timed = client.get(f"{BASE}/timed")
    assert "Complete this lesson first" not in timed.text and "/quiz/start" in timed.text
    assert _complete(client, "notes").status_code == 302
    assert _complete(client, "timed").status_code == 302  # a quiz lesson: refused, not done
    page = client.get(f"{BASE}/check")
    # `requires: all` still waits for the timed quiz, which is passed, not marked.
    waiting = re.search(r'<section class="notice requires".*?</section>', page.text, re.S)
    assert re.findall(r'lessons/(\w+)"', waiting.group(0)) == ["timed"]


def test_the_requirements_speak_chinese(client, learner):
    page = client.get(f"{BASE}/check", headers={"Accept-Language": "zh-CN"})
    assert "请先学完以下课文" in page.text and "学完以下课文后，才能开始本课测验" in page.text
