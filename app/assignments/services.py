"""Assigning required courses to units; `app.organisation.unit_courses` resolves them to every
unit they reach."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, contains_eager

from app import audit
from app.models import Assignment, Course, Unit
from app.organisation.tree import in_subtree
from app.organisation.unit_courses import rebuild_unit_courses
from app.web.pagination import Page, page_window

ASSIGNMENTS_PER_PAGE = 50


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


def assignments_in_scope(
    session: Session, scope: list[Unit] | None, page: int = 1
) -> Page[Assignment]:
    """Assignments made to units inside the scope subtrees (all of them for None), 50 a page.

    Each comes with its unit and course, read in the same query: the list shows both, and two
    queries (count, page) serve any number of assignments.
    """
    where = []
    if scope is not None:
        if not scope:
            return page_window(0, page, ASSIGNMENTS_PER_PAGE).with_items([])
        where.append(or_(*(in_subtree(Unit.path, root.path) for root in scope)))
    total = session.scalar(
        select(func.count(Assignment.id))
        .join(Unit, Unit.id == Assignment.unit_id)
        .where(*where)
    )
    window = page_window(total or 0, page, ASSIGNMENTS_PER_PAGE)
    assignments = session.scalars(
        select(Assignment)
        .join(Unit, Unit.id == Assignment.unit_id)
        .join(Course, Course.id == Assignment.course_id)
        .options(contains_eager(Assignment.unit), contains_eager(Assignment.course))
        .where(*where)
        # The id last: a page boundary never depends on how the database breaks a tie.
        .order_by(Unit.path, Course.title, Assignment.id)
        .limit(window.limit)
        .offset(window.offset)
    )
    return window.with_items(assignments)
