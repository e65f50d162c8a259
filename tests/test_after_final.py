"""`show_answers: after_final`: a closing test's answers stay hidden until a pass or the end."""

from __future__ import annotations

import re

import pytest

from app.models import Lesson, QuizAttempt
from app.quiz.attempts import QuizState
from app.quiz.history import answers_visible
from tests.conftest import csrf_from

COURSE = """---
id: final-course
title: Final course
summary: For after_final tests.
language: en
credit_hours: 1
status: published
---
Overview.
"""
LESSON = """---
title: Closing test
minutes: 10
pass_percent: 100
show_answers: after_final
---
Answer.

::: quiz
id: pick
type: single

Which one is right?

- [x] RIGHT-OPTION
- [ ] WRONG-OPTION

Explanation: SECRET-EXPLANATION.
:::
"""
URL = "/courses/final-course/lessons/closing"


@pytest.fixture
def learner(sync_course, make_user, auth):  # noqa: ANN001, ANN201
    sync_course({"course.md": COURSE, "01-m/01-closing.md": LESSON})
    user = make_user("ann")
    auth.login("ann")
    return user


def _answer(client, choice: str):  # noqa: ANN001, ANN202
    page = client.get(URL)
    token = re.search(r'name="attempt_token" value="([^"]+)"', page.text).group(1)
    data = {"csrf_token": csrf_from(page.text), "attempt_token": token, "q-pick": choice}
    return client.post(f"{URL}/quiz", data=data, follow_redirects=True)


def test_a_failed_attempt_with_attempts_left_shows_no_answers(client, learner):
    result = _answer(client, "2")
    assert result.status_code == 200
    assert "SECRET-EXPLANATION" not in result.text
    assert "Correct answer" not in result.text
    assert "once you pass or have used every attempt" in result.text


def test_a_pass_shows_the_answers_and_explanations(client, learner):
    _answer(client, "2")
    result = _answer(client, "1")
    assert "SECRET-EXPLANATION" in result.text
    # The earlier failed attempt's page now shows them too: the learner has passed.
    first = client.get(f"{URL}/attempts/1")
    assert "SECRET-EXPLANATION" in first.text


def _state(*, passed: bool, exhausted: bool) -> QuizState:
    return QuizState(attempt=None, best=None, used=3, passed=passed, exhausted=exhausted)


@pytest.mark.parametrize(
    ("passed", "exhausted", "visible"),
    [(False, False, False), (True, False, True), (False, True, True)],
)
def test_after_final_waits_for_a_pass_or_the_last_attempt(passed, exhausted, visible):
    lesson = Lesson(show_answers="after_final", max_attempts=3)
    failed = QuizAttempt(status="submitted", passed=False)
    assert answers_visible(lesson, failed, _state(passed=passed, exhausted=exhausted)) is visible


def test_after_submit_and_never_are_unchanged():
    failed = QuizAttempt(status="submitted", passed=False)
    state = _state(passed=False, exhausted=False)
    assert answers_visible(Lesson(show_answers="after_submit"), failed, state) is True
    ended = _state(passed=True, exhausted=True)
    assert answers_visible(Lesson(show_answers="never"), failed, ended) is False


def test_the_start_page_says_when_the_answers_are_shown(sync_course, make_user, auth, client):
    limited = LESSON.replace("pass_percent: 100\n", "pass_percent: 100\nmax_attempts: 2\n")
    sync_course({"course.md": COURSE, "01-m/01-closing.md": limited})
    make_user("ann")
    auth.login("ann")
    page = client.get(URL).text
    assert "Before you start the quiz" in page
    assert "The correct answers are shown once you pass or have used every attempt." in page
