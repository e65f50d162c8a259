"""Quiz attempts: start or resume, submit exactly once, grade, complete the lesson on a pass.

Services take the session first and never commit. "Exactly once" rests on the database: the
submit is a conditional UPDATE from open to submitted that only one request can win, and the
unique indexes on attempts make a second open attempt impossible.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.learning import progress
from app.models import (
    AttemptItem,
    Course,
    Lesson,
    LessonProgress,
    Question,
    QuestionVersion,
    QuizAttempt,
    User,
)
from app.models.types import utcnow
from app.quiz.grading import grade, score_percent

_RACE_RETRIES = 5
# Answers may arrive a little after the deadline (a slow network, the click at 0:00).
GRACE = timedelta(seconds=30)


class QuizError(LookupError):
    """No such attempt for this learner."""


@dataclass(frozen=True)
class QuizState:
    """Where the learner stands with a lesson's quiz."""

    attempt: QuizAttempt | None  # the open attempt to answer, if any
    best: QuizAttempt | None  # the best submitted attempt
    used: int  # submitted attempts
    passed: bool
    exhausted: bool  # no attempt left and not passed
    # Read without writing (`write=False`): opening or closing an attempt is still to be done.
    needs_write: bool = False


def _current_questions(session: Session, where: Any) -> list[tuple[Question, QuestionVersion]]:
    rows = session.execute(
        select(Question, QuestionVersion)
        .join(
            QuestionVersion,
            and_(
                QuestionVersion.question_id == Question.id,
                QuestionVersion.version == Question.version,
            ),
        )
        .where(where, Question.archived.is_(False))
        .order_by(Question.position)
    ).all()
    return [(q, v) for q, v in rows]


def questions_for_attempt(
    session: Session, lesson: Lesson, rng: random.Random
) -> list[tuple[Question, QuestionVersion]]:
    """The lesson's own questions plus a fresh random draw from each pool it names."""
    chosen = _current_questions(session, Question.lesson_id == lesson.id)
    for draw in lesson.draw:
        pool = _current_questions(
            session, and_(Question.course_id == lesson.course_id, Question.pool == draw["pool"])
        )
        chosen += rng.sample(pool, min(int(draw["count"]), len(pool)))
    if lesson.shuffle:
        rng.shuffle(chosen)
    return chosen


def _submitted(session: Session, user: User, lesson: Lesson) -> list[QuizAttempt]:
    return list(
        session.scalars(
            select(QuizAttempt).where(
                QuizAttempt.user_id == user.id,
                QuizAttempt.lesson_id == lesson.id,
                QuizAttempt.status == "submitted",
            )
        )
    )


def _open_attempt(session: Session, user: User, lesson: Lesson) -> QuizAttempt | None:
    # One joined query: the lesson page's query budget is small.
    return (
        session.scalars(
            select(QuizAttempt)
            .options(joinedload(QuizAttempt.items).joinedload(AttemptItem.version))
            .where(
                QuizAttempt.user_id == user.id,
                QuizAttempt.lesson_id == lesson.id,
                QuizAttempt.status == "open",
            )
        )
        .unique()
        .one_or_none()
    )


def quiz_state(
    session: Session,
    user: User,
    course: Course,
    lesson: Lesson,
    *,
    start: bool = True,
    write: bool = True,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> QuizState:
    """The learner's quiz state; with `start`, opens an attempt when one is allowed.

    An open attempt whose time ran out is closed as submitted first (nothing late counts). A
    learner who has passed is not given a new attempt unless they ask (`start_new_attempt`).
    With `write=False` nothing is changed: `needs_write` says whether a writing call would.
    """
    now = now or utcnow()
    if write:
        # Two tabs or devices opening the quiz at once queue here (a row lock on PostgreSQL;
        # SQLite writers are serialised anyway), so the second one finds the first's attempt.
        # The unique indexes stay the guarantee; the retries below cover anything else.
        session.execute(select(User.id).where(User.id == user.id).with_for_update())
    for _race in range(_RACE_RETRIES):
        attempt = _open_attempt(session, user, lesson)
        expired = bool(attempt and attempt.deadline_at and now > attempt.deadline_at + GRACE)
        if expired and write:
            _close(session, user, course, lesson, attempt, {}, now, timed_out=True)
        if expired:
            attempt = None
        done = _submitted(session, user, lesson)
        passed = any(a.passed for a in done)
        left = lesson.max_attempts == 0 or len(done) < lesson.max_attempts
        would_start = attempt is None and start and left and not passed
        if not write:
            return _state(attempt, done, passed, left, needs_write=expired or would_start)
        if not would_start:
            break
        try:
            with session.begin_nested():
                attempt = _new_attempt(session, user, lesson, len(done) + 1, now, rng)
            break
        except IntegrityError:
            attempt = None
    return _state(attempt, done, passed, left)


def _state(
    attempt: QuizAttempt | None,
    done: list[QuizAttempt],
    passed: bool,
    left: bool,
    *,
    needs_write: bool = False,
) -> QuizState:
    best = max(done, key=lambda a: (a.score or 0, -a.number), default=None)
    return QuizState(
        attempt=attempt,
        best=best,
        used=len(done),
        passed=passed,
        exhausted=not passed and not left and attempt is None,
        needs_write=needs_write,
    )


def start_new_attempt(
    session: Session, user: User, course: Course, lesson: Lesson, *, now: datetime | None = None
) -> QuizAttempt | None:
    """Open another attempt on request (e.g. to improve a passing score), if any is left."""
    state = quiz_state(session, user, course, lesson, start=False, now=now)
    if state.attempt is not None:
        return state.attempt
    if lesson.max_attempts and state.used >= lesson.max_attempts:
        return None
    return _new_attempt(session, user, lesson, state.used + 1, now or utcnow(), None)


def _new_attempt(
    session: Session,
    user: User,
    lesson: Lesson,
    number: int,
    now: datetime,
    rng: random.Random | None,
) -> QuizAttempt:
    rng = rng or random.Random(secrets.randbits(64))
    attempt = QuizAttempt(
        user_id=user.id,
        lesson_id=lesson.id,
        course_id=lesson.course_id,
        number=number,
        token=secrets.token_urlsafe(24),
        status="open",
        started_at=now,
        deadline_at=now + timedelta(minutes=lesson.time_limit_minutes)
        if lesson.time_limit_minutes
        else None,
        pass_percent=lesson.pass_percent,
    )
    for position, (question, version) in enumerate(
        questions_for_attempt(session, lesson, rng), start=1
    ):
        order = [o["position"] for o in version.data["options"]]
        if lesson.shuffle:
            rng.shuffle(order)
        attempt.items.append(
            AttemptItem(
                question_id=question.id,
                question_version_id=version.id,
                version=version,
                slug=question.slug,
                position=position,
                option_order=order,
            )
        )
    session.add(attempt)
    # Flushing now makes a concurrent second open attempt fail here, on the unique index.
    session.flush()
    return attempt


def responses_from_form(form: Any, attempt: QuizAttempt) -> dict[str, Any]:
    """Pick each question's answer out of the posted form (`q-<question id>`)."""
    answers: dict[str, Any] = {}
    for item in attempt.items:
        field = f"q-{item.slug}"
        if item.version.data["type"] == "multiple":
            values = [v for v in form.getlist(field) if v]
            answers[item.slug] = values or None
        else:
            value = form.get(field)
            answers[item.slug] = value.strip()[:500] if isinstance(value, str) else None
    return answers


@dataclass(frozen=True)
class Submission:
    """The outcome of a submit: the recorded attempt, and whether this request recorded it."""

    attempt: QuizAttempt
    recorded_now: bool


def find_attempt(session: Session, user: User, token: str) -> QuizAttempt:
    """The learner's own attempt with this token."""
    attempt = (
        session.scalars(
            select(QuizAttempt)
            .options(joinedload(QuizAttempt.items).joinedload(AttemptItem.version))
            .where(QuizAttempt.token == token, QuizAttempt.user_id == user.id)
        )
        .unique()
        .one_or_none()
    )
    if attempt is None:
        raise QuizError(token)
    return attempt


def submit(
    session: Session,
    user: User,
    course: Course,
    lesson: Lesson,
    token: str,
    form: Any,
    *,
    now: datetime | None = None,
) -> Submission:
    """Grade an attempt once. A replay (double click, back button, second tab) changes nothing
    and returns the attempt as first recorded."""
    now = now or utcnow()
    attempt = find_attempt(session, user, token)
    if attempt.lesson_id != lesson.id:
        raise QuizError(token)
    if attempt.status == "submitted":
        return Submission(attempt, recorded_now=False)
    late = attempt.deadline_at is not None and now > attempt.deadline_at + GRACE
    answers = {} if late else responses_from_form(form, attempt)
    recorded = _close(session, user, course, lesson, attempt, answers, now, timed_out=late)
    if not recorded:
        session.expire(attempt)
    return Submission(attempt, recorded_now=recorded)


def _close(
    session: Session,
    user: User,
    course: Course,
    lesson: Lesson,
    attempt: QuizAttempt,
    answers: dict[str, Any],
    now: datetime,
    *,
    timed_out: bool,
) -> bool:
    """Grade the attempt and claim it (open -> submitted) in one conditional UPDATE; False if
    another request claimed it first, in which case nothing of this one is written."""
    results = [(item, grade(item.version.data, answers.get(item.slug))) for item in attempt.items]
    earned = sum(result.points for _item, result in results)
    possible = sum(float(item.version.data["points"]) for item, _result in results)
    raw = 100.0 * earned / possible if possible else 0.0
    values = {
        "status": "submitted",
        "submitted_at": now,
        "timed_out": timed_out,
        "points_earned": round(earned, 4),
        "points_possible": possible,
        "score": score_percent(earned, possible),
        "passed": possible > 0 and raw >= attempt.pass_percent,
    }
    claimed = session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == "open")
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return False
    item_rows = [
        {
            "id": item.id,
            "response": answers.get(item.slug),
            "correct": result.correct,
            "points_earned": result.points,
            "message": result.message,
        }
        for item, result in results
    ]
    if item_rows:
        session.execute(update(AttemptItem), item_rows)  # one executemany by primary key
    # Both writes are done: record them on the loaded objects without flushing them again.
    for key, value in values.items():
        set_committed_value(attempt, key, value)
    for item, row in zip((item for item, _r in results), item_rows, strict=True):
        for key in ("response", "correct", "points_earned", "message"):
            set_committed_value(item, key, row[key])
    _record_result(session, user, course, lesson, attempt)
    return True


def _record_result(
    session: Session, user: User, course: Course, lesson: Lesson, attempt: QuizAttempt
) -> None:
    """Keep the best score on the lesson and the course; a pass completes the lesson.

    `record_activity` locks the enrollment first, so results arriving together lose nothing.
    """
    visit = progress.record_activity(session, user, course, lesson, completed=bool(attempt.passed))
    enrollment, lesson_progress = visit.enrollment, visit.progress
    if lesson_progress.best_score is None or lesson_progress.best_score < (attempt.score or 0):
        lesson_progress.best_score = attempt.score
    session.flush()
    # The course's score: the mean of the best scores of its quiz lessons tried so far.
    mean = session.scalar(
        select(func.avg(LessonProgress.best_score)).where(
            LessonProgress.user_id == user.id,
            LessonProgress.course_id == course.id,
            LessonProgress.best_score.is_not(None),
        )
    )
    enrollment.best_score = round(float(mean), 1) if mean is not None else None


def attempts_of(session: Session, user: User, lesson: Lesson) -> list[QuizAttempt]:
    """The learner's attempts at a lesson, newest first."""
    return list(
        session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user.id, QuizAttempt.lesson_id == lesson.id)
            .order_by(QuizAttempt.number.desc())
        )
    )


def attempt_by_number(session: Session, user: User, lesson: Lesson, number: int) -> QuizAttempt:
    """One of the learner's attempts, with its items and their question versions."""
    attempt = session.scalar(
        select(QuizAttempt)
        .options(selectinload(QuizAttempt.items).selectinload(AttemptItem.version))
        .where(
            QuizAttempt.user_id == user.id,
            QuizAttempt.lesson_id == lesson.id,
            QuizAttempt.number == number,
        )
    )
    if attempt is None:
        raise QuizError(str(number))
    return attempt


def answers_visible(lesson: Lesson, attempt: QuizAttempt) -> bool:
    """Whether the correct answers may be shown for a submitted attempt (`show_answers`)."""
    if attempt.status != "submitted" or lesson.show_answers == "never":
        return False
    return lesson.show_answers == "after_submit" or bool(attempt.passed)
