"""Which courses reach each unit: the `unit_courses` table, resolved through the tree.

`rebuild_unit_courses` recomputes it in two statements; it runs after any change to
assignments or to the unit tree, so dashboards and reports never resolve the tree per learner.
"""

from __future__ import annotations

from sqlalchemy import and_, delete, func, insert, literal, or_, select
from sqlalchemy.orm import Session, aliased

from app.models import Assignment, Unit, UnitCourse
from app.organisation.tree import in_subtree


def rebuild_unit_courses(session: Session, root: Unit | None = None) -> None:
    """Recompute which courses apply to each unit (below `root`, or everywhere).

    A unit gets an assignment made to itself, or to an ancestor whose assignment includes
    sub-units; when several reach it for one course, the nearest (deepest) one wins.
    """
    target = aliased(Unit)
    source = aliased(Unit)
    # The unit itself is in its own subtree, so "the unit, or its subtree when sub-units are
    # included" is the subtree range plus a filter: the range stays a plain conjunct, which
    # both planners turn into an index range on `target.path` for each assignment's unit.
    reaches = and_(
        in_subtree(target.path, source.path),
        or_(Assignment.include_subunits.is_(True), target.id == source.id),
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
        candidates = candidates.where(in_subtree(target.path, root.path))
    nearest = candidates.subquery()
    old = delete(UnitCourse)
    if root is not None:
        old = old.where(
            UnitCourse.unit_id.in_(select(Unit.id).where(in_subtree(Unit.path, root.path)))
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
