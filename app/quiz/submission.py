"""Submitting a quiz: read the answers from the form and grade them, once.

A replay (double click, back button, second tab) changes nothing and returns the attempt as
first recorded. Services take the session first and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.models import AttemptItem, Course, Lesson, QuizAttempt, User
from app.models.types import utcnow
from app.quiz.attempts import GRACE, QuizError
from app.quiz.history import find_attempt
from app.quiz.recording import close_attempt

# What a learner may type for a `short` or `numeric` question (the form's input says the same
# with maxlength): a phrase or a number, never a document.
MAX_TEXT_ANSWER = 500
TRUE_FALSE = ("true", "false")


class AnswerError(ValueError):
    """A posted answer that no quiz form could have sent (an option that does not exist, a text
    longer than the form allows); the whole submission is refused and nothing is stored."""

    def __init__(self, slug: str, message: str) -> None:
        super().__init__(slug)
        self.slug = slug
        self.message = message


def responses_from_form(form: Any, attempt: QuizAttempt) -> dict[str, Any]:
    """Pick each question's answer out of the posted form (`q-<question id>`).

    A choice must be one of the question's option positions, each given at most once (one for
    `single`), and true/false one of those two words; a typed answer at most MAX_TEXT_ANSWER
    characters. Anything else raises AnswerError, so only what the form could send is stored.
    """
    answers: dict[str, Any] = {}
    for item in attempt.items:
        name = f"q-{item.slug}"
        data = item.version.data
        if data["type"] in ("single", "multiple"):
            chosen = _chosen(_values(form, name), data, item.slug)
            if data["type"] == "single":
                answers[item.slug] = chosen[0] if chosen else None
            else:
                answers[item.slug] = chosen or None
        else:
            answers[item.slug] = _typed(_values(form, name), data["type"], item.slug)
    return answers


def _values(form: Any, name: str) -> list[Any]:
    """Every value sent under `name`: a request's MultiDict, or a plain mapping (callers
    outside a request, such as the tests of grants, pass one answer per question)."""
    if hasattr(form, "getlist"):
        return form.getlist(name)
    return [form[name]] if name in form else []


def _chosen(values: list[Any], data: dict[str, Any], slug: str) -> list[str]:
    """The chosen source positions, checked against the question's options."""
    positions = {str(option["position"]) for option in data["options"]}
    chosen = [value for value in values if value != ""]
    most = 1 if data["type"] == "single" else len(positions)
    if len(chosen) > most or len(set(chosen)) != len(chosen) or not set(chosen) <= positions:
        raise AnswerError(
            slug,
            _(
                "An answer names an option that its question does not have. Reload the lesson"
                " and answer the quiz again."
            ),
        )
    return chosen


def _typed(values: list[Any], kind: str, slug: str) -> str | None:
    """The one text sent for a true/false, short or numeric question, trimmed."""
    if not values:
        return None
    value = values[0].strip() if len(values) == 1 and isinstance(values[0], str) else None
    if value is None or (kind == "truefalse" and value not in ("", *TRUE_FALSE)):
        raise AnswerError(
            slug, _("An answer is not one the quiz form offers. Reload the lesson and try again.")
        )
    if len(value) > MAX_TEXT_ANSWER:
        raise AnswerError(
            slug,
            _(
                "An answer is longer than %(count)d characters. Go back, shorten it and send the"
                " quiz again.",
                count=MAX_TEXT_ANSWER,
            ),
        )
    return value


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
