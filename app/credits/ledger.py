"""Writing the credit-hour ledger: completion awards, manual adjustments, backfilling.

Interfaces for the features built on the ledger (offline training claims, certificates, the
transcript):
- `award_completions(session, course, completions, at=...)` is called by app.progress.rollups
  in the transaction that marks enrollments completed; it returns the hours per enrollment.
- `write_entry(session, ...)` adds any other entry (an approved offline claim: source
  "offline_training", with its own explanation parts) and is the one place entries are made.
- `adjust(session, ...)` is an administrator's correction, with a reason, audit-logged.

Entries are never updated: a course re-synced with other hours or minutes leaves the awards
already made as they were. One completion award per enrollment (a unique constraint), and an
enrollment is one learner in one course that stays completed, so a course counts once per
learner. None of these functions commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app import audit
from app.credits.rules import Award, CourseFacts, RuleSpec, compute_award
from app.credits.store import rule_in_force
from app.models import Course, CreditEntry, Enrollment, Lesson, LessonProgress, User
from app.models.types import utcnow

DEFAULT_ZONE = "Asia/Shanghai"
MAX_ADJUSTMENT = 1000.0


class LedgerError(ValueError):
    """A ledger change that is refused; the message says why (translated)."""


def award_year(at: datetime) -> int:
    """The academy's local calendar year of an instant: the year an award counts for."""
    # Rollups run in requests and in `courses sync`, both inside the app; a bare call (a
    # script) falls back to the default zone rather than failing a completion.
    name = current_app.config["BABEL_DEFAULT_TIMEZONE"] if has_app_context() else DEFAULT_ZONE
    return at.astimezone(ZoneInfo(name)).year


def course_facts(session: Session, course: Course) -> tuple[CourseFacts, int | None]:
    """The course's minutes (its visible lessons' sum) and its closing test: the last visible
    lesson with a graded quiz, in course order (its id, or None). One query."""
    lessons = session.execute(
        select(Lesson.id, Lesson.minutes, Lesson.has_quiz)
        .where(Lesson.course_id == course.id, Lesson.archived.is_(False))
        .order_by(Lesson.position)
    ).all()
    quizzes = [lesson_id for lesson_id, _minutes, has_quiz in lessons if has_quiz]
    minutes = sum(minutes for _id, minutes, _quiz in lessons)
    facts = CourseFacts(course.credit_hours, minutes, bool(quizzes))
    return facts, quizzes[-1] if quizzes else None


def _passed(session: Session, lesson_id: int | None, user_ids: list[int]) -> set[int]:
    """Who of `user_ids` passed the closing test. A quiz lesson is completed only by a passing
    attempt (app.quiz.recording), so its completion is the pass."""
    if lesson_id is None:
        return set()
    return set(
        session.scalars(
            select(LessonProgress.user_id).where(
                LessonProgress.lesson_id == lesson_id,
                LessonProgress.user_id.in_(user_ids),
                LessonProgress.completed_at.is_not(None),
            )
        )
    )


def completion_hours_by_user(session: Session, user_ids: list[int], year: int) -> dict[int, float]:
    """What course completions already earned each of these learners in `year`."""
    return {
        user_id: float(total or 0)
        for user_id, total in session.execute(
            select(CreditEntry.user_id, func.sum(CreditEntry.hours))
            .where(
                CreditEntry.user_id.in_(user_ids),
                CreditEntry.year == year,
                CreditEntry.source == "course_completion",
            )
            .group_by(CreditEntry.user_id)
        )
    }


def award_completions(
    session: Session, course: Course, completions: Sequence[tuple[int, int]], *, at: datetime
) -> dict[int, float]:
    """Write one completion entry per (enrollment id, user id), under the rule in force at
    `at`; the hours awarded by enrollment id.

    A bounded number of queries for any number of completions (a sync can complete many):
    the rule, the course's lessons, the closing-test passes and the year's earlier awards,
    then one insert.
    """
    if not completions:
        return {}
    year = award_year(at)
    rule = rule_in_force(session, year)
    spec = RuleSpec.of(rule) if rule is not None else None
    user_ids = sorted({user_id for _e, user_id in completions})
    if spec is not None and spec.method == "bands":
        facts, closing = course_facts(session, course)
        passed = _passed(session, closing, user_ids) if spec.closing_test_bonus else set()
    else:
        facts, passed = CourseFacts(course.credit_hours, 0, False), set()
    capped = spec is not None and spec.cap_per_year is not None
    earned = completion_hours_by_user(session, user_ids, year) if capped else {}
    rows, awarded = [], {}
    for enrollment_id, user_id in completions:
        award = compute_award(
            spec,
            facts,
            passed_closing_test=user_id in passed,
            earned_this_year=earned.get(user_id, 0.0),
        )
        earned[user_id] = earned.get(user_id, 0.0) + award.hours
        awarded[enrollment_id] = award.hours
        rows.append(
            _entry_row(user_id, year, award, "course_completion", at, enrollment_id=enrollment_id,
                       course_id=course.id, course_version=course.version,
                       rule_id=rule.id if rule else None)
        )
    session.execute(insert(CreditEntry), rows)
    return awarded


def _entry_row(
    user_id: int, year: int, award: Award, source: str, at: datetime, **columns: Any
) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "year": year,
        "hours": award.hours,
        "source": source,
        "explanation": award.parts,
        "awarded_at": at,
        **columns,
    }


def write_entry(
    session: Session,
    user: User,
    *,
    hours: float,
    source: str,
    parts: list[dict[str, Any]],
    year: int | None = None,
    at: datetime | None = None,
    **columns: Any,
) -> CreditEntry:
    """Add one ledger entry (any source but completions, which `award_completions` writes)."""
    at = at or utcnow()
    entry = CreditEntry(
        user_id=user.id,
        year=year or award_year(at),
        hours=hours,
        source=source,
        explanation=parts,
        awarded_at=at,
        **columns,
    )
    session.add(entry)
    session.flush()
    return entry


def adjust(
    session: Session, learner: User, hours: float, *, reason: str, year: int, actor: User | None
) -> CreditEntry:
    """An administrator's correction of a learner's year: `hours` more (or fewer, negative),
    with the reason the learner will read. Audit-logged. Raises LedgerError when the hours
    are 0 or absurd, the reason is missing, or the year's total would fall below 0."""
    reason = " ".join(reason.split())
    if not reason or len(reason) > 500:
        raise LedgerError(_("Give the reason for the adjustment (at most 500 characters)."))
    if hours == 0 or abs(hours) > MAX_ADJUSTMENT or hours != hours:
        raise LedgerError(
            _("The adjustment must be a number of hours other than 0, at most %(max)d either way.",
              max=int(MAX_ADJUSTMENT))
        )
    if not 2000 <= year <= 2100:
        raise LedgerError(_("The year must be between 2000 and 2100."))
    total = session.scalar(
        select(func.coalesce(func.sum(CreditEntry.hours), 0.0)).where(
            CreditEntry.user_id == learner.id, CreditEntry.year == year
        )
    )
    if float(total or 0) + hours < 0:
        raise LedgerError(
            _("%(name)s has %(total)s credit hours in %(year)d; an adjustment cannot take the"
              " year below 0.", name=learner.username, total=round(float(total or 0), 2),
              year=year)
        )
    entry = write_entry(
        session,
        learner,
        hours=round(hours, 2),
        source="manual_adjustment",
        parts=[{"kind": "manual"}],
        year=year,
        reason=reason,
        created_by_id=actor.id if actor else None,
    )
    audit.record(
        session,
        "credit_hours_adjusted",
        actor_id=actor.id if actor else None,
        subject=learner.username,
        year=year,
        hours=entry.hours,
        reason=reason,
    )
    return entry


def backfill_completions(session: Session) -> int:
    """Write an entry for every completed enrollment that has none (completions recorded
    before the ledger, or written in bulk by `demo generate`); how many were written.

    The hours are those the enrollment was awarded at the time (the declared hours), never
    recomputed under today's rule: an award is what was promised when it was made.
    """
    missing = session.execute(
        select(
            Enrollment.id,
            Enrollment.user_id,
            Enrollment.course_id,
            Enrollment.completed_version,
            Enrollment.credit_hours_awarded,
            Enrollment.completed_at,
        )
        .outerjoin(CreditEntry, CreditEntry.enrollment_id == Enrollment.id)
        .where(Enrollment.status == "completed", CreditEntry.id.is_(None))
    ).all()
    rows = [
        _entry_row(
            user_id,
            award_year(completed_at),
            Award(hours, [{"kind": "declared", "hours": hours}, {"kind": "backfilled"}]),
            "course_completion",
            completed_at,
            enrollment_id=enrollment_id,
            course_id=course_id,
            course_version=version,
        )
        for enrollment_id, user_id, course_id, version, hours, completed_at in missing
    ]
    for start in range(0, len(rows), 1000):
        session.execute(insert(CreditEntry), rows[start : start + 1000])
    return len(rows)
