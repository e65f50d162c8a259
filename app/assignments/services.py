"""Assigning required courses to units, and resolving them to every unit they reach.

`rebuild_unit_courses` recomputes the `unit_courses` table in two statements; it runs after
any change to assignments or to the unit tree, so dashboards and reports never resolve the
tree per learner.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, delete, func, insert, literal, or_, select
from sqlalchemy.orm import Session, aliased

from app import audit
from app.models import Assignment, Course, Unit, UnitCourse


class AssignmentError(ValueError):
    """An assignment that cannot be made, with a message for the person."""


def rebuild_unit_courses(session: Session, root: Unit | None = None) -> None:
    """Recompute which courses apply to each unit (below `root`, or everywhere).

    A unit gets an assignment made to itself, or to an ancestor whose assignment includes
    sub-units; when several reach it for one course, the nearest (deepest) one wins.
    """
    target = aliased(Unit)
    source = aliased(Unit)
    reaches = or_(
        target.id == source.id,
        and_(
            Assignment.include_subunits.is_(True),
            target.path.startswith(source.path, autoescape=False),
        ),
    )
    rank = (
        func.row_number()
        .over(partition_by=(target.id, Assignment.course_id), order_by=source.depth.desc())
        .label("rank")
    )
    candidates = (
        select(
            target.id.label("unit_id"),
            Assignment.course_id,
            Assignment.id.label("assignment_id"),
            Assignment.required,
            Assignment.due_date,
            source.depth.label("source_depth"),
            rank,
        )
        .join(source, source.id == Assignment.unit_id)
        .join(target, reaches)
    )
    if root is not None:
        candidates = candidates.where(target.path.startswith(root.path))
    nearest = candidates.subquery()
    old = delete(UnitCourse)
    if root is not None:
        old = old.where(
            UnitCourse.unit_id.in_(select(Unit.id).where(Unit.path.startswith(root.path)))
        )
    session.execute(old.execution_options(synchronize_session=False))
    session.execute(
        insert(UnitCourse).from_select(
            ["unit_id", "course_id", "assignment_id", "required", "due_date", "source_depth"],
            select(
                nearest.c.unit_id,
                nearest.c.course_id,
                nearest.c.assignment_id,
                nearest.c.required,
                nearest.c.due_date,
                nearest.c.source_depth,
            ).where(nearest.c.rank == literal(1)),
        )
    )


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
        query = query.where(or_(*(Unit.path.startswith(root.path) for root in scope)))
    return list(session.scalars(query))
