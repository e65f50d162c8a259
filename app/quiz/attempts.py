"""Quiz attempts: where a learner stands, opening an attempt, and finding past attempts.

Reading a quiz's state never writes (`read_state`); opening an attempt, or closing one whose
time ran out, is `open_state`. A timed or attempt-limited quiz is only ever opened on request
(`starts_on_request`: the learner presses Start), never by viewing it. Services take the
session first and never commit. The unique indexes on attempts make a second open attempt
impossible.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, joinedload

from app.models import (
    AttemptGrant,
    AttemptItem,
    Course,
    Lesson,
    Question,
    QuestionVersion,
    QuizAttempt,
    User,
)
from app.models.types import utcnow
from app.progress.prerequisites import require_completed
from app.quiz import grants
from app.quiz.grants import GrantNote
from app.quiz.recording import close_attempt

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
    # Read without writing (`read_state`): opening or closing an attempt is still to be done.
    needs_write: bool = False
    allowed: int = 0  # attempts allowed: max_attempts + granted (0: unlimited)
    latest_grant: GrantNote | None = None  # the newest extra attempts granted, if any
    # Attempts the learner may still start; None when they are unlimited.
    left: int | None = None
    # An open attempt whose time ran out, read but not closed yet: it counts as used.
    expired: QuizAttempt | None = None
    # The quiz starts only when the learner asks (its start page), never on view.
    starts_on_request: bool = False

    @property
    def can_start(self) -> bool:
        """Whether the learner may start an attempt now (none is open and one is left)."""
        return self.attempt is None and self.left != 0


def starts_on_request(lesson: Lesson) -> bool:
    """A timed or attempt-limited quiz starts from its start page (a POST), never on view:
    opening the lesson must not start the clock or use up an attempt."""
    return bool(lesson.time_limit_minutes) or lesson.max_attempts > 0


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


@dataclass(frozen=True)
class _Submitted:
    """The learner's submitted attempts, and the attempts they are allowed in all."""

    done: list[QuizAttempt]
    allowed: int
    latest_grant: GrantNote | None


def _submitted_query() -> Select[Any]:
    # The grants ride along in the same query (the lesson page's query budget is small): one
    # row per submitted attempt, or one without an attempt, each with the granted total and
    # the newest grant.
    user_id, lesson_id = bindparam("user_id"), bindparam("lesson_id")
    grant, granter = aliased(AttemptGrant, name="shown_grant"), aliased(User, name="granter")
    return (
        select(
            grants.granted_total(user_id, lesson_id),
            grant.count,
            grant.reason,
            grant.created_at,
            granter.full_name,
            QuizAttempt,
        )
        .select_from(Lesson)
        .outerjoin(grant, grant.id == grants.newest_grant_id(user_id, lesson_id))
        .outerjoin(granter, granter.id == grant.granted_by)
        .outerjoin(
            QuizAttempt,
            and_(
                QuizAttempt.lesson_id == Lesson.id,
                QuizAttempt.user_id == user_id,
                QuizAttempt.status == "submitted",
            ),
        )
        .where(Lesson.id == lesson_id)
    )


def _open_attempt_query() -> Select[Any]:
    # One joined query: the lesson page's query budget is small.
    return (
        select(QuizAttempt)
        .options(joinedload(QuizAttempt.items).joinedload(AttemptItem.version))
        .where(
            QuizAttempt.user_id == bindparam("user_id"),
            QuizAttempt.lesson_id == bindparam("lesson_id"),
            QuizAttempt.status == "open",
        )
    )


# The lesson page runs these on every visit: built once, with bound parameters, because
# building a statement (and its cache key) costs more than SQLite takes to answer it.
_SUBMITTED = _submitted_query()
_OPEN_ATTEMPT = _open_attempt_query()


def _submitted(session: Session, user: User, lesson: Lesson) -> _Submitted:
    rows = session.execute(_SUBMITTED, {"user_id": user.id, "lesson_id": lesson.id}).all()
    granted, count, reason, created_at, granted_by, _attempt = rows[0]
    return _Submitted(
        done=[row[-1] for row in rows if row[-1] is not None],
        allowed=grants.attempts_allowed(lesson.max_attempts, int(granted or 0)),
        latest_grant=GrantNote(count, reason, granted_by, created_at) if count else None,
    )


def _open_attempt(session: Session, user: User, lesson: Lesson) -> QuizAttempt | None:
    params = {"user_id": user.id, "lesson_id": lesson.id}
    return session.scalars(_OPEN_ATTEMPT, params).unique().one_or_none()


def read_state(
    session: Session, user: User, lesson: Lesson, *, now: datetime | None = None
) -> QuizState:
    """The learner's quiz state, read without writing anything.

    An open attempt whose time ran out is reported as `expired` and counted as used; it is
    closed by the learner's next write. `needs_write` says whether opening the lesson has
    something to record: for a quiz that starts on view, an attempt to open (one is allowed
    and the learner has not passed) or an expired one to close; never for a quiz that starts
    on request.
    """
    now = now or utcnow()
    attempt = _open_attempt(session, user, lesson)
    expired = attempt if _expired(attempt, now) else None
    if expired:
        attempt = None
    submitted = _submitted(session, user, lesson)
    counted = [*submitted.done, expired] if expired else submitted.done
    passed = any(a.passed for a in submitted.done)
    left = _attempts_left(submitted.allowed, len(counted))
    on_request = starts_on_request(lesson)
    would_start = attempt is None and left and not passed
    return _state(
        attempt,
        counted,
        submitted,
        passed,
        left,
        lesson,
        needs_write=not on_request and bool(expired or would_start),
        expired=expired,
    )


def open_state(
    session: Session,
    user: User,
    course: Course,
    lesson: Lesson,
    *,
    start: bool = True,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> QuizState:
    """The learner's quiz state after recording what opening the quiz changes.

    An open attempt whose time ran out is closed as submitted first (nothing late counts). With
    `start`, an attempt is opened when one is allowed; a learner who has passed is not given a
    new attempt unless they ask (`start_new_attempt`).
    """
    now = now or utcnow()
    # Two tabs or devices opening the quiz at once queue here (a row lock on PostgreSQL;
    # SQLite writers are serialised anyway), so the second one finds the first's attempt.
    # The unique indexes stay the guarantee; the retries below cover anything else.
    session.execute(select(User.id).where(User.id == user.id).with_for_update())
    for _race in range(_RACE_RETRIES):
        attempt = _open_attempt(session, user, lesson)
        if attempt is not None and _expired(attempt, now):
            close_attempt(session, user, course, lesson, attempt, {}, now, timed_out=True)
            attempt = None
        submitted = _submitted(session, user, lesson)
        passed = any(a.passed for a in submitted.done)
        left = _attempts_left(submitted.allowed, len(submitted.done))
        if attempt is not None or not start or not left or passed:
            break
        try:
            with session.begin_nested():
                attempt = _new_attempt(session, user, lesson, len(submitted.done) + 1, now, rng)
            break
        except IntegrityError:
            attempt = None
    return _state(attempt, submitted.done, submitted, passed, left, lesson)


def _expired(attempt: QuizAttempt | None, now: datetime) -> bool:
    """Whether an open attempt's time limit (and the grace after it) has passed."""
    return bool(attempt and attempt.deadline_at and now > attempt.deadline_at + GRACE)


def _attempts_left(allowed: int, used: int) -> bool:
    """Whether another attempt may start: `allowed` is max_attempts plus grants (0: unlimited)."""
    return allowed == 0 or used < allowed


def _remaining(allowed: int, used: int) -> int | None:
    """How many attempts the learner may still start (None: unlimited), as the start page
    says it; it agrees with `_attempts_left`."""
    return None if allowed == 0 else max(0, allowed - used)


def _state(
    attempt: QuizAttempt | None,
    done: list[QuizAttempt],
    submitted: _Submitted,
    passed: bool,
    left: bool,
    lesson: Lesson,
    *,
    needs_write: bool = False,
    expired: QuizAttempt | None = None,
) -> QuizState:
    best = max(
        (a for a in done if a.status == "submitted"),
        key=lambda a: (a.score or 0, -a.number),
        default=None,
    )
    return QuizState(
        attempt=attempt,
        best=best,
        used=len(done),
        passed=passed,
        exhausted=not passed and not left and attempt is None,
        needs_write=needs_write,
        allowed=submitted.allowed,
        latest_grant=submitted.latest_grant,
        left=_remaining(submitted.allowed, len(done)) if left else 0,
        expired=expired,
        starts_on_request=starts_on_request(lesson),
    )


def start_new_attempt(
    session: Session, user: User, course: Course, lesson: Lesson, *, now: datetime | None = None
) -> QuizAttempt | None:
    """Open another attempt on request (e.g. to improve a passing score), if any is left.

    Raises RequirementsMissingError while a lesson this one requires is not completed.
    """
    require_completed(session, user, lesson)
    state = open_state(session, user, course, lesson, start=False, now=now)
    if state.attempt is not None:
        return state.attempt
    if state.allowed and state.used >= state.allowed:
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
