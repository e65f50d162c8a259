"""Patterns in credited time that a person should look at: many credit hours in one day, and
courses completed in much less time than they are estimated to take.

These are for HR to look at, never to act on automatically: a learner who studied a course on
paper and then clicked through it, or a day of offline training approved at once, looks the
same as someone gaming the record. Each list is one aggregate query over the subtree, limited
to `limit` rows plus one (to say that there are more), so its cost does not grow with the
number of learners shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, literal, select
from sqlalchemy.orm import Session

from app.models import Course, CreditEntry, Enrollment, Lesson, LessonProgress, Unit, User
from app.organisation.tree import in_subtree

# A completion in under this share of the course's estimated minutes is listed.
FAST_SHARE = 1 / 3


@dataclass(frozen=True)
class BusyDay:
    """A learner credited with more hours in one local day than the threshold."""

    username: str
    full_name: str
    unit_code: str
    unit_name: str
    day: date
    hours: float
    entries: int


@dataclass(frozen=True)
class FastCompletion:
    """A course completed in under a third of its estimated time on task."""

    username: str
    full_name: str
    unit_code: str
    unit_name: str
    course_title: str
    completed_at: datetime
    seconds: int
    estimated_minutes: int

    @property
    def share(self) -> float:
        """Time on task as a share of the estimate (0.25: a quarter of it)."""
        return self.seconds / (self.estimated_minutes * 60) if self.estimated_minutes else 0.0


@dataclass(frozen=True)
class Limited:
    """At most `limit` rows of a list, and whether there were more."""

    rows: list[Any]
    more: bool


def local_day(column: Any, zone: ZoneInfo, dialect: str, at: datetime) -> ColumnElement[Any]:
    """The local calendar day of a UTC timestamp column, as SQL.

    PostgreSQL converts with the zone itself (daylight saving included). SQLite has no time
    zones: the zone's offset at `at` (the period's end) is added, exact for zones without
    daylight saving such as Asia/Shanghai, the academy's default.
    """
    if dialect == "postgresql":
        return func.date(func.timezone(zone.key, column))
    offset = at.astimezone(zone).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    return func.date(column, f"{minutes:+d} minutes")


def _learners_in(root: Unit) -> list[ColumnElement[bool]]:
    return [in_subtree(Unit.path, root.path), User.is_active.is_(True)]


def busy_days(
    session: Session,
    root: Unit,
    *,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    hours_per_day: float,
    limit: int,
) -> Limited:
    """Learners of `root`'s subtree credited more than `hours_per_day` in one local day of
    [start, end), most hours first."""
    day = local_day(CreditEntry.awarded_at, zone, session.get_bind().dialect.name, end)
    total = func.sum(CreditEntry.hours)
    query = (
        select(
            User.username,
            User.full_name,
            Unit.code,
            Unit.name,
            day.label("day"),
            total.label("hours"),
            func.count(CreditEntry.id),
        )
        .select_from(CreditEntry)
        .join(User, User.id == CreditEntry.user_id)
        .join(Unit, Unit.id == User.unit_id)
        .where(
            *_learners_in(root),
            CreditEntry.awarded_at >= start,
            CreditEntry.awarded_at < end,
            CreditEntry.hours > 0,
        )
        .group_by(User.id, User.username, User.full_name, Unit.code, Unit.name, day)
        .having(total > hours_per_day)
        .order_by(total.desc(), User.username)
        .limit(limit + 1)
    )
    rows = [
        BusyDay(username, name, code, unit_name, _as_date(when), round(float(hours), 2), count)
        for username, name, code, unit_name, when, hours, count in session.execute(query)
    ]
    return Limited(rows[:limit], len(rows) > limit)


def fast_completions(
    session: Session, root: Unit, *, start: datetime, end: datetime, limit: int
) -> Limited:
    """Courses completed in [start, end) by learners of `root`'s subtree with time on task
    under a third of the course's estimated minutes (its visible lessons'), newest first."""
    estimates = (
        select(Lesson.course_id, func.sum(Lesson.minutes).label("minutes"))
        .where(Lesson.archived.is_(False))
        .group_by(Lesson.course_id)
        .subquery()
    )
    seconds = func.coalesce(func.sum(LessonProgress.seconds_spent), 0)
    query = (
        select(
            User.username,
            User.full_name,
            Unit.code,
            Unit.name,
            Course.title,
            Enrollment.completed_at,
            seconds.label("seconds"),
            estimates.c.minutes,
        )
        .select_from(Enrollment)
        .join(User, User.id == Enrollment.user_id)
        .join(Unit, Unit.id == User.unit_id)
        .join(Course, Course.id == Enrollment.course_id)
        .join(estimates, estimates.c.course_id == Enrollment.course_id)
        .outerjoin(
            LessonProgress,
            and_(
                LessonProgress.user_id == Enrollment.user_id,
                LessonProgress.course_id == Enrollment.course_id,
            ),
        )
        .where(
            *_learners_in(root),
            Enrollment.status == "completed",
            Enrollment.completed_at >= start,
            Enrollment.completed_at < end,
            estimates.c.minutes > 0,
        )
        .group_by(
            Enrollment.id,
            User.username,
            User.full_name,
            Unit.code,
            Unit.name,
            Course.title,
            Enrollment.completed_at,
            estimates.c.minutes,
        )
        .having(seconds * literal(1 / FAST_SHARE) < estimates.c.minutes * 60)
        .order_by(Enrollment.completed_at.desc(), User.username)
        .limit(limit + 1)
    )
    rows = [FastCompletion(*row) for row in session.execute(query)]
    return Limited(rows[:limit], len(rows) > limit)


def _as_date(value: Any) -> date:
    """SQLite's date() gives text, PostgreSQL's a date."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))
