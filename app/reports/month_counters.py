"""Reports over whole months from the month buckets, and checking and mending those buckets.

`unit_course_months` and `unit_months` (app.models.report_months) are kept by triggers
(migration 0019). A bucket's month is the local month at the fixed offset the database stores,
so a period can be summed from them exactly when it is whole months and the academy's zone has
that offset at the period's two ends (months inside it do not matter: every instant between
the ends lies in one of the summed months either way). Other periods read the learners' rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Float, Integer, and_, cast, delete, func, insert, literal, select, union_all
from sqlalchemy.orm import Session

from app.models import (
    Course,
    CreditEntry,
    Enrollment,
    ReportSettings,
    Unit,
    UnitCourse,
    UnitCourseMonth,
    UnitMonth,
    User,
)
from app.organisation.tree import in_subtree
from app.reports.counters import Drift, compare, counted_users

COURSE_FIELDS = ("completed", "score_sum", "scored", "hours")
WHOLE_NUMBERS = frozenset({"completed", "scored"})


def stored_offset(session: Session) -> int:
    """The offset from UTC, in minutes, at which the triggers put a time in a month."""
    return int(session.scalar(select(ReportSettings.month_offset_minutes)) or 0)


def month_of(session: Session, column, offset: int):  # noqa: ANN001, ANN201
    """SQL for the month (YYYYMM) of UTC timestamp `column` at `offset`, as the triggers
    compute it."""
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.strftime("%Y%m", column, f"{offset:+d} minutes"), Integer)
    shifted = func.timezone("UTC", column) + func.make_interval(0, 0, 0, 0, 0, offset)
    return cast(func.to_char(shifted, "YYYYMM"), Integer)


def _month(day: date) -> int:
    return day.year * 100 + day.month


def _offset_at(day: date, zone) -> int:  # noqa: ANN001
    offset = datetime.combine(day, time(), zone).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def whole_months(filters, offset: int) -> tuple[int | None, int | None] | None:  # noqa: ANN001
    """The first and last month (YYYYMM, None when open) of `filters`' period when the buckets
    can answer it: it begins on a first of the month, ends on a last, and the zone's offset at
    both ends is the stored one. None otherwise (or without a period)."""
    start, last_day = filters.date_from, filters.date_to
    if start is None and last_day is None:
        return None
    if start is not None and (start.day != 1 or _offset_at(start, filters.zone) != offset):
        return None
    if last_day is not None:
        end = last_day + timedelta(days=1)
        if end.day != 1 or _offset_at(end, filters.zone) != offset:
            return None
    return (
        _month(start) if start is not None else None,
        _month(last_day) if last_day is not None else None,
    )


def _in_months(column, first: int | None, last: int | None):  # noqa: ANN001, ANN202
    conditions = []
    if first is not None:
        conditions.append(column >= first)
    if last is not None:
        conditions.append(column <= last)
    return and_(*conditions)


@dataclass(frozen=True)
class MonthGroup:
    """One unit's completions of its assigned courses and its credit hours in the months."""

    completed: int = 0
    score_sum: float = 0.0
    scored: int = 0
    hours: float = 0.0


def month_groups(
    session: Session, root: Unit, *, course: Course | None, months: tuple[int | None, int | None]
) -> dict[str, MonthGroup]:
    """Every unit of `root`'s subtree with completions or hours in `months`, by unit path:
    two statements, each over at most units x courses x months rows."""
    first, last = months
    buckets = UnitCourseMonth
    done = (
        select(
            Unit.path,
            func.sum(buckets.completed),
            func.sum(buckets.score_sum),
            func.sum(buckets.scored),
        )
        .select_from(buckets)
        .join(
            UnitCourse,
            and_(UnitCourse.unit_id == buckets.unit_id, UnitCourse.course_id == buckets.course_id),
        )
        .join(Unit, Unit.id == buckets.unit_id)
        .where(in_subtree(Unit.path, root.path), _in_months(buckets.month, first, last))
        .group_by(Unit.path)
    )
    if course is not None:
        done = done.where(buckets.course_id == course.id)
        hours = (
            select(Unit.path, func.sum(buckets.hours))
            .join(Unit, Unit.id == buckets.unit_id)
            .where(buckets.course_id == course.id)
        )
        month_column = buckets.month
    else:
        hours = select(Unit.path, func.sum(UnitMonth.hours)).join(
            Unit, Unit.id == UnitMonth.unit_id
        )
        month_column = UnitMonth.month
    hours = hours.where(
        in_subtree(Unit.path, root.path), _in_months(month_column, first, last)
    ).group_by(Unit.path)
    by_path = {path: rest for path, *rest in session.execute(done)}
    hours_by_path = dict(session.execute(hours).all())
    groups = {}
    for path in by_path.keys() | hours_by_path.keys():
        completed, score_sum, scored = by_path.get(path, (0, 0.0, 0))
        groups[path] = MonthGroup(
            completed=int(completed or 0),
            score_sum=float(score_sum or 0),
            scored=int(scored or 0),
            hours=float(hours_by_path.get(path) or 0),
        )
    return groups


def expected_course_months(session: Session) -> dict[tuple[int, int, int], tuple[float, ...]]:
    """What unit_course_months should hold, by (unit id, course id, month). One query."""
    offset = stored_offset(session)
    completed_month = month_of(session, Enrollment.completed_at, offset)
    has_score = Enrollment.best_score.is_not(None)
    zero_f = literal(0.0, Float)
    completions = (
        select(
            User.unit_id.label("unit_id"),
            Enrollment.course_id.label("course_id"),
            completed_month.label("month"),
            literal(1).label("completed"),
            func.coalesce(Enrollment.best_score, zero_f).label("score_sum"),
            cast(has_score, Integer).label("scored"),
            zero_f.label("hours"),
        )
        .join(User, User.id == Enrollment.user_id)
        .where(counted_users(), Enrollment.status == "completed")
    )
    entries = (
        select(
            User.unit_id,
            CreditEntry.course_id,
            month_of(session, CreditEntry.awarded_at, offset),
            literal(0),
            zero_f,
            literal(0),
            CreditEntry.hours,
        )
        .join(User, User.id == CreditEntry.user_id)
        .where(counted_users(), CreditEntry.course_id.is_not(None))
    )
    rows = union_all(completions, entries).subquery()
    query = select(
        rows.c.unit_id,
        rows.c.course_id,
        rows.c.month,
        *(func.sum(rows.c[name]) for name in COURSE_FIELDS),
    ).group_by(rows.c.unit_id, rows.c.course_id, rows.c.month)
    return {
        (unit_id, course_id, month): tuple(float(value or 0) for value in values)
        for unit_id, course_id, month, *values in session.execute(query)
    }


def expected_unit_months(session: Session) -> dict[tuple[int, int], tuple[float]]:
    """What unit_months should hold, by (unit id, month). One query."""
    month = month_of(session, CreditEntry.awarded_at, stored_offset(session))
    query = (
        select(User.unit_id, month, func.sum(CreditEntry.hours))
        .join(User, User.id == CreditEntry.user_id)
        .where(counted_users())
        .group_by(User.unit_id, month)
    )
    return {
        (unit_id, month_value): (float(hours or 0),)
        for unit_id, month_value, hours in session.execute(query)
    }


def drift(session: Session) -> list[Drift]:
    """Every month bucket that differs from what the rows it counts say."""
    course_rows = {
        (row.unit_id, row.course_id, row.month): tuple(
            float(getattr(row, name)) for name in COURSE_FIELDS
        )
        for row in session.scalars(select(UnitCourseMonth))
    }
    unit_rows = {
        (row.unit_id, row.month): (float(row.hours),) for row in session.scalars(select(UnitMonth))
    }
    return compare(
        "unit_course_months", COURSE_FIELDS, course_rows, expected_course_months(session)
    ) + compare("unit_months", ("hours",), unit_rows, expected_unit_months(session))


def rebuild(session: Session) -> None:
    """Replace every month bucket with its recomputation (in the caller's transaction)."""
    course_rows = [
        {
            "unit_id": unit_id,
            "course_id": course_id,
            "month": month,
            **{
                name: int(round(value)) if name in WHOLE_NUMBERS else value
                for name, value in zip(COURSE_FIELDS, values, strict=True)
            },
        }
        for (unit_id, course_id, month), values in expected_course_months(session).items()
    ]
    unit_rows = [
        {"unit_id": unit_id, "month": month, "hours": values[0]}
        for (unit_id, month), values in expected_unit_months(session).items()
    ]
    session.execute(delete(UnitCourseMonth))
    session.execute(delete(UnitMonth))
    for rows, model in ((course_rows, UnitCourseMonth), (unit_rows, UnitMonth)):
        for start in range(0, len(rows), 1000):
            session.execute(insert(model), rows[start : start + 1000])
