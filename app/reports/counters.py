"""The unit report's counters: reading them for a report, checking them, mending them.

`unit_counts` and `unit_course_counts` (app.models.assignment) are kept by database triggers
(migration 0018) in the transaction of every change, so `unit_groups` sums at most units x
courses rows whatever the number of learners. `drift` recomputes what they should hold from
the enrollments, ledger entries and users, and lists every difference; `rebuild` replaces them
with the recomputation. Those two read every learner: they are for `flask reports verify`, not
for pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Float, and_, case, delete, func, insert, literal, select, union_all
from sqlalchemy.orm import Session

from app.models import (
    Course,
    CreditEntry,
    Enrollment,
    Unit,
    UnitCount,
    UnitCourse,
    UnitCourseCount,
    User,
)
from app.organisation.tree import in_subtree

COURSE_FIELDS = ("in_progress", "completed", "score_sum", "scored", "hours")
UNIT_FIELDS = ("learners", "hours")
WHOLE_NUMBERS = frozenset({"in_progress", "completed", "scored", "learners"})
# Scores and hours are added and taken away as floats: differences below this are rounding.
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Drift:
    """One stored counter that differs from its recomputation."""

    table: str
    key: tuple[int, ...]
    field: str
    stored: float
    expected: float


def counted_users():  # noqa: ANN201
    """The users whose rows count: active and in a unit."""
    return and_(User.is_active.is_(True), User.unit_id.is_not(None))


def expected_course_counts(session: Session) -> dict[tuple[int, int], tuple[float, ...]]:
    """What unit_course_counts should hold, by (unit id, course id). One query."""
    done = Enrollment.status == "completed"
    scored = and_(done, Enrollment.best_score.is_not(None))
    one, zero = literal(1), literal(0)
    enrollments = (
        select(
            User.unit_id.label("unit_id"),
            Enrollment.course_id.label("course_id"),
            case((Enrollment.status == "in_progress", one), else_=zero).label("in_progress"),
            case((done, one), else_=zero).label("completed"),
            case((scored, Enrollment.best_score), else_=literal(0.0, Float)).label("score_sum"),
            case((scored, one), else_=zero).label("scored"),
            literal(0.0, Float).label("hours"),
        )
        .join(User, User.id == Enrollment.user_id)
        .where(counted_users())
    )
    entries = (
        select(
            User.unit_id,
            CreditEntry.course_id,
            zero,
            zero,
            literal(0.0, Float),
            zero,
            CreditEntry.hours,
        )
        .join(User, User.id == CreditEntry.user_id)
        .where(counted_users(), CreditEntry.course_id.is_not(None))
    )
    rows = union_all(enrollments, entries).subquery()
    query = select(
        rows.c.unit_id,
        rows.c.course_id,
        *(func.sum(rows.c[name]) for name in COURSE_FIELDS),
    ).group_by(rows.c.unit_id, rows.c.course_id)
    return {
        (unit_id, course_id): tuple(float(value or 0) for value in values)
        for unit_id, course_id, *values in session.execute(query)
    }


def expected_unit_counts(session: Session) -> dict[int, tuple[float, ...]]:
    """What unit_counts should hold, by unit id. Two queries."""
    learners = dict(
        session.execute(
            select(User.unit_id, func.count()).where(counted_users()).group_by(User.unit_id)
        ).all()
    )
    hours = dict(
        session.execute(
            select(User.unit_id, func.sum(CreditEntry.hours))
            .join(User, User.id == CreditEntry.user_id)
            .where(counted_users())
            .group_by(User.unit_id)
        ).all()
    )
    return {
        unit_id: (float(count), float(hours.get(unit_id) or 0))
        for unit_id, count in learners.items()
    }


def compare(
    table: str,
    fields: tuple[str, ...],
    stored: dict[tuple[int, ...], tuple[float, ...]],
    expected: dict[tuple[int, ...], tuple[float, ...]],
):
    """The drifts between stored and recomputed counters, by key."""
    zeros = (0.0,) * len(fields)
    drifts = []
    for key in sorted(stored.keys() | expected.keys()):
        have, want = stored.get(key, zeros), expected.get(key, zeros)
        for field, value, should in zip(fields, have, want, strict=True):
            if abs(value - should) > TOLERANCE:
                drifts.append(Drift(table, key, field, value, should))
    return drifts


def drift(session: Session) -> list[Drift]:
    """Every counter that differs from what the rows it counts say (a row of zeros and a
    missing row are the same)."""
    course_rows = {
        (row.unit_id, row.course_id): tuple(float(getattr(row, f)) for f in COURSE_FIELDS)
        for row in session.scalars(select(UnitCourseCount))
    }
    unit_rows = {
        (row.unit_id,): tuple(float(getattr(row, f)) for f in UNIT_FIELDS)
        for row in session.scalars(select(UnitCount))
    }
    expected_units = {(key,): values for key, values in expected_unit_counts(session).items()}
    return compare(
        "unit_course_counts", COURSE_FIELDS, course_rows, expected_course_counts(session)
    ) + compare("unit_counts", UNIT_FIELDS, unit_rows, expected_units)


def rebuild(session: Session) -> None:
    """Replace every counter with its recomputation (in the caller's transaction)."""
    course_rows = [
        {"unit_id": unit_id, "course_id": course_id, **_fields(COURSE_FIELDS, values)}
        for (unit_id, course_id), values in expected_course_counts(session).items()
    ]
    unit_rows = [
        {"unit_id": unit_id, **_fields(UNIT_FIELDS, values)}
        for unit_id, values in expected_unit_counts(session).items()
    ]
    session.execute(delete(UnitCourseCount))
    session.execute(delete(UnitCount))
    for rows, model in ((course_rows, UnitCourseCount), (unit_rows, UnitCount)):
        for start in range(0, len(rows), 1000):
            session.execute(insert(model), rows[start : start + 1000])


def _fields(names: tuple[str, ...], values: tuple[float, ...]) -> dict[str, float | int]:
    return {
        name: int(round(value)) if name in WHOLE_NUMBERS else value
        for name, value in zip(names, values, strict=True)
    }


@dataclass(frozen=True)
class UnitGroup:
    """One unit's figures for the unit report, from the counters."""

    learners: int
    courses: int  # courses assigned to the unit (of the course filter)
    in_progress: int
    completed: int
    score_sum: float
    scored: int
    overdue_courses: int  # assigned courses past their due date
    completed_overdue: int  # completions in those courses
    hours: float

    @property
    def assigned(self) -> int:
        """Learner-course pairs: every active learner holds every course of the unit."""
        return self.learners * self.courses

    @property
    def overdue(self) -> int:
        """Pairs past their due date and not completed."""
        return self.learners * self.overdue_courses - self.completed_overdue


def unit_groups(
    session: Session, root: Unit, *, course: Course | None, today: date
) -> dict[str, UnitGroup]:
    """The figures of every unit of `root`'s subtree, by unit path, from the counters: the
    assigned courses' counts (only `course`'s when given) and the learners' hours (from every
    ledger entry, or only `course`'s). Three queries, each over at most units x courses rows.
    """
    counted = UnitCourseCount
    past_due = UnitCourse.due_date < today
    completed = func.coalesce(counted.completed, 0)
    pairs = (
        select(
            Unit.path,
            func.count(UnitCourse.id),
            func.sum(func.coalesce(counted.in_progress, 0)),
            func.sum(completed),
            func.sum(func.coalesce(counted.score_sum, 0.0)),
            func.sum(func.coalesce(counted.scored, 0)),
            func.sum(case((past_due, 1), else_=0)),
            func.sum(case((past_due, completed), else_=0)),
        )
        .select_from(UnitCourse)
        .join(Unit, Unit.id == UnitCourse.unit_id)
        .outerjoin(
            counted,
            and_(counted.unit_id == UnitCourse.unit_id, counted.course_id == UnitCourse.course_id),
        )
        .where(in_subtree(Unit.path, root.path))
        .group_by(Unit.path)
    )
    if course is not None:
        pairs = pairs.where(UnitCourse.course_id == course.id)
        hours_query = (
            select(Unit.path, func.sum(counted.hours))
            .join(Unit, Unit.id == counted.unit_id)
            .where(in_subtree(Unit.path, root.path), counted.course_id == course.id)
            .group_by(Unit.path)
        )
    else:
        hours_query = (
            select(Unit.path, UnitCount.hours)
            .join(Unit, Unit.id == UnitCount.unit_id)
            .where(in_subtree(Unit.path, root.path))
        )
    learners = dict(
        session.execute(
            select(Unit.path, UnitCount.learners)
            .join(Unit, Unit.id == UnitCount.unit_id)
            .where(in_subtree(Unit.path, root.path))
        ).all()
    )
    hours = dict(session.execute(hours_query).all())
    by_path = {row[0]: row[1:] for row in session.execute(pairs)}
    groups = {}
    for path in learners.keys() | hours.keys() | by_path.keys():
        courses, in_progress, done, score_sum, scored, overdue, done_overdue = by_path.get(
            path, (0, 0, 0, 0.0, 0, 0, 0)
        )
        groups[path] = UnitGroup(
            learners=int(learners.get(path) or 0),
            courses=int(courses or 0),
            in_progress=int(in_progress or 0),
            completed=int(done or 0),
            score_sum=float(score_sum or 0),
            scored=int(scored or 0),
            overdue_courses=int(overdue or 0),
            completed_overdue=int(done_overdue or 0),
            hours=float(hours.get(path) or 0),
        )
    return groups
