"""Assigning required courses to units; `app.organisation.unit_courses` resolves them to every
unit they reach."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app import audit
from app.models import Assignment, Course, Unit
from app.organisation.tree import in_subtree
from app.organisation.unit_courses import rebuild_unit_courses


class AssignmentError(ValueError):
    """An assignment that cannot be made, with a message for the person."""


def assign(
    session: Session,
    unit: Unit,
    course: Course,
    *,
    due_date: date | None,
    required: bool = True,
    include_subunits: bool = True,
    actor_id: int | None = None,
) -> Assignment:
    """Assign `course` to `unit` (replacing an earlier assignment of it to the same unit)."""
    if course.status != "published":
        raise AssignmentError(_("Only published courses can be assigned."))
    assignment = session.scalar(
        select(Assignment).where(Assignment.unit_id == unit.id, Assignment.course_id == course.id)
    ) or Assignment(unit_id=unit.id, course_id=course.id)
    assignment.due_date = due_date
    assignment.required = required
    assignment.include_subunits = include_subunits
    assignment.created_by = actor_id
    session.add(assignment)
    session.flush()
    rebuild_unit_courses(session, unit)
    audit.record(
        session,
        "assignment_set",
        actor_id=actor_id,
        subject=unit.code,
        course=course.slug,
        due_date=due_date.isoformat() if due_date else None,
        include_subunits=include_subunits,
        required=required,
    )
    return assignment


def unassign(session: Session, assignment: Assignment, *, actor_id: int | None) -> None:
    """Remove an assignment; units below fall back to any assignment further up."""
    unit, course_slug = assignment.unit, assignment.course.slug
    session.delete(assignment)
    session.flush()
    rebuild_unit_courses(session, unit)
    audit.record(
        session, "assignment_removed", actor_id=actor_id, subject=unit.code, course=course_slug
    )


def assignments_in_scope(session: Session, scope: list[Unit] | None) -> list[Assignment]:
    """Assignments made to units inside the scope subtrees (all of them for None)."""
    query = (
        select(Assignment)
        .join(Unit, Unit.id == Assignment.unit_id)
        .join(Course, Course.id == Assignment.course_id)
        .order_by(Unit.path, Course.title)
    )
    if scope is not None:
        if not scope:
            return []
        query = query.where(or_(*(in_subtree(Unit.path, root.path) for root in scope)))
    return list(session.scalars(query))
