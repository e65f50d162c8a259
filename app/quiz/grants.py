"""Extra quiz attempts: who may grant them, granting one, and reading them back.

Attempts allowed at a lesson = its `max_attempts` + the sum of the learner's grants for it;
a lesson without a limit (0) stays unlimited, so nothing can be granted for it. Administrators
may grant to anyone, HR officers to the learners of their scope subtrees, and trainers to
anyone: trainers hold one global role today (there are no per-course editors yet), so a trainer
counts as a trainer of every course. Services take the session first and never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import BindParameter, ScalarSelect, func, select
from sqlalchemy.orm import Session, aliased

from app import audit
from app.models import AttemptGrant, Course, Lesson, User
from app.models.quiz import REASON_MAX_LENGTH
from app.organisation.scope import scope_units, within_scope

# At most this many attempts in one grant: more is a decision to re-grant (and be audited) later.
MAX_GRANT_COUNT = 10
# The record page shows this many of a learner's grants per lesson (the newest), with the total.
GRANTS_SHOWN = 10
# Aliases are built once: building one per query costs more than the query itself on the
# lesson page (SQLAlchemy adapts every column of a new alias). One each, so that neither
# subquery correlates with a query that joins the other.
_TOTAL_GRANT = aliased(AttemptGrant, name="total_grant")
_NEWEST_GRANT = aliased(AttemptGrant, name="newest_grant")


class GrantError(ValueError):
    """A grant that cannot be made as asked, with a message for the person."""


class GrantForbiddenError(LookupError):
    """The granter may not grant attempts to this learner (views answer 404: reveal nothing)."""


@dataclass(frozen=True)
class GrantNote:
    """One grant as people are told about it."""

    count: int
    reason: str
    granted_by: str | None  # the granter's full name; None from the command line
    created_at: datetime


@dataclass(frozen=True)
class LessonGrants:
    """A learner's grants for one lesson: the total granted and the newest few grants."""

    granted: int
    grants: int
    newest: list[GrantNote]


def attempts_allowed(max_attempts: int, granted: int) -> int:
    """Attempts allowed in all: the lesson's limit plus what was granted (0: unlimited)."""
    return 0 if max_attempts == 0 else max_attempts + granted


def may_grant(session: Session, granter: User, learner: User) -> bool:
    """Whether `granter` may grant `learner` extra attempts (see the module docstring)."""
    if granter.has_role("admin") or granter.has_role("trainer"):
        return True
    scope = scope_units(session, granter)
    return bool(scope) and learner.unit is not None and within_scope(learner.unit, scope)


def _checked_reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise GrantError(_("Give a reason for the extra attempts."))
    if len(reason) > REASON_MAX_LENGTH:
        raise GrantError(
            _("Keep the reason to %(max)d characters or fewer.", max=REASON_MAX_LENGTH)
        )
    return reason


def grant_attempts(
    session: Session,
    learner: User,
    course: Course,
    lesson: Lesson,
    *,
    count: int,
    reason: str,
    granted_by: User | None,
) -> AttemptGrant:
    """Grant `learner` `count` more attempts at `lesson`'s quiz, and audit-log it.

    `granted_by` is None only for the command line (an administrator on the server). Raises
    GrantForbiddenError when the granter may not grant to this learner, GrantError when the grant
    itself is wrong (no quiz, no attempt limit, a count or reason out of bounds).
    """
    if granted_by is not None and not may_grant(session, granted_by, learner):
        raise GrantForbiddenError(learner.username)
    if granted_by is not None and granted_by.id == learner.id:
        # Quiz records are official: nobody extends their own attempts.
        raise GrantError(_("You cannot grant extra attempts to yourself."))
    if lesson.course_id != course.id or lesson.archived:
        raise GrantError(_("This lesson is not part of the course."))
    if not lesson.has_quiz:
        raise GrantError(_("This lesson has no quiz."))
    if lesson.max_attempts == 0:
        raise GrantError(_("This quiz allows unlimited attempts: there is nothing to grant."))
    if count < 1:
        raise GrantError(_("Grant at least one attempt."))
    if count > MAX_GRANT_COUNT:
        raise GrantError(_("Grant at most %(max)d attempts at a time.", max=MAX_GRANT_COUNT))
    grant = AttemptGrant(
        user_id=learner.id,
        lesson_id=lesson.id,
        count=count,
        reason=_checked_reason(reason),
        granted_by=granted_by.id if granted_by is not None else None,
    )
    session.add(grant)
    session.flush()
    audit.record(
        session,
        "attempts_granted",
        actor_id=grant.granted_by,
        subject=learner.username,
        course=course.slug,
        lesson=lesson.slug,
        count=count,
        reason=grant.reason,
    )
    return grant


def granted_total(
    user_id: int | BindParameter[Any], lesson_id: int | BindParameter[Any]
) -> ScalarSelect[Any]:
    """A scalar subquery: the attempts granted to the learner at the lesson (0 if none); the ids
    may be bound parameters of a statement built once."""
    grant = _TOTAL_GRANT
    return (
        select(func.coalesce(func.sum(grant.count), 0))
        .where(grant.user_id == user_id, grant.lesson_id == lesson_id)
        .scalar_subquery()
    )


def newest_grant_id(
    user_id: int | BindParameter[Any], lesson_id: int | BindParameter[Any]
) -> ScalarSelect[Any]:
    """A scalar subquery: the id of the learner's newest grant at the lesson (NULL if none)."""
    grant = _NEWEST_GRANT
    return (
        select(func.max(grant.id))
        .where(grant.user_id == user_id, grant.lesson_id == lesson_id)
        .scalar_subquery()
    )


def allowed_for(session: Session, learner: User, lesson: Lesson) -> int:
    """The attempts `learner` is allowed at `lesson` now (0: unlimited)."""
    granted = session.scalar(select(granted_total(learner.id, lesson.id))) or 0
    return attempts_allowed(lesson.max_attempts, int(granted))


def grants_by_lesson(
    session: Session, learner: User, lesson_ids: Iterable[int]
) -> dict[int, LessonGrants]:
    """The learner's grants for these lessons: per lesson the total and the newest few.

    One query, whatever the number of grants: a window over each lesson's grants.
    """
    ids = list(lesson_ids)
    if not ids:
        return {}
    granter = aliased(User)
    ranked = (
        select(
            AttemptGrant.lesson_id,
            AttemptGrant.count,
            AttemptGrant.reason,
            AttemptGrant.created_at,
            granter.full_name.label("granted_by"),
            func.row_number()
            .over(partition_by=AttemptGrant.lesson_id, order_by=AttemptGrant.id.desc())
            .label("rank"),
            func.sum(AttemptGrant.count).over(partition_by=AttemptGrant.lesson_id).label("total"),
            func.count().over(partition_by=AttemptGrant.lesson_id).label("grants"),
        )
        .outerjoin(granter, granter.id == AttemptGrant.granted_by)
        .where(AttemptGrant.user_id == learner.id, AttemptGrant.lesson_id.in_(ids))
        .subquery()
    )
    rows = session.execute(
        select(ranked).where(ranked.c.rank <= GRANTS_SHOWN).order_by(ranked.c.rank)
    )
    found: dict[int, LessonGrants] = {}
    for row in rows:
        entry = found.setdefault(row.lesson_id, LessonGrants(int(row.total), row.grants, []))
        entry.newest.append(GrantNote(row.count, row.reason, row.granted_by, row.created_at))
    return found
