"""Submitting a quiz: read the answers from the form and grade them, once.

A replay (double click, back button, second tab) changes nothing and returns the attempt as
first recorded. Services take the session first and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.models import AttemptItem, Course, Lesson, QuizAttempt, User
from app.models.types import utcnow
from app.quiz.attempts import GRACE, QuizError
from app.quiz.history import find_attempt
from app.quiz.recording import close_attempt


class AnswerError(ValueError):
    """A posted answer that no quiz form could have sent (for example an option that does not
    exist); the whole submission is refused."""


def responses_from_form(form: Any, attempt: QuizAttempt) -> dict[str, Any]:
    """Pick each question's answer out of the posted form (`q-<question id>`).

    A choice must be one of the question's option positions, each given at most once (one for
    `single`); anything else raises AnswerError, so nothing of any size is stored.
    """
    answers: dict[str, Any] = {}
    for item in attempt.items:
        name = f"q-{item.slug}"
        data = item.version.data
        if data["type"] in ("single", "multiple"):
            chosen = _chosen(form.getlist(name), data, item.slug)
            if data["type"] == "single":
                answers[item.slug] = chosen[0] if chosen else None
            else:
                answers[item.slug] = chosen or None
        else:
            value = form.get(name)
            answers[item.slug] = value.strip()[:500] if isinstance(value, str) else None
    return answers


def _chosen(values: list[Any], data: dict[str, Any], slug: str) -> list[str]:
    """The chosen source positions, checked against the question's options."""
    positions = {str(option["position"]) for option in data["options"]}
    chosen = [value for value in values if value != ""]
    most = 1 if data["type"] == "single" else len(positions)
    if len(chosen) > most or len(set(chosen)) != len(chosen) or not set(chosen) <= positions:
        raise AnswerError(slug)
    return chosen


@dataclass(frozen=True)
class Submission:
    """The outcome of a submit: the recorded attempt, and whether this request recorded it.

    With `unanswered` (questions left without an answer, in the order shown) nothing has
    been graded: the learner is asked first, and `answers` are those given so far.
    """

    attempt: QuizAttempt
    recorded_now: bool
    unanswered: list[AttemptItem] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)


def submit(
    session: Session,
    user: User,
    course: Course,
    lesson: Lesson,
    token: str,
    form: Any,
    *,
    confirmed: bool = False,
    now: datetime | None = None,
) -> Submission:
    """Grade an attempt once. A replay (double click, back button, second tab) changes nothing
    and returns the attempt as first recorded.

    Unless the learner `confirmed` it, a submission with unanswered questions is not graded
    but returned with them (`Submission.unanswered`). A timed attempt past its deadline is
    graded as it stands: there is no time left to go back.
    """
    now = now or utcnow()
    attempt = find_attempt(session, user, token)
    if attempt.lesson_id != lesson.id:
        raise QuizError(token)
    if attempt.status == "submitted":
        return Submission(attempt, recorded_now=False)
    late = attempt.deadline_at is not None and now > attempt.deadline_at + GRACE
    answers = {} if late else responses_from_form(form, attempt)
    time_left = attempt.deadline_at is None or now <= attempt.deadline_at
    if not confirmed and time_left:
        unanswered = [item for item in attempt.items if answers.get(item.slug) in (None, "")]
        if unanswered:
            return Submission(attempt, False, unanswered, answers)
    recorded = close_attempt(session, user, course, lesson, attempt, answers, now, timed_out=late)
    if not recorded:
        session.expire(attempt)
    return Submission(attempt, recorded_now=recorded)
