"""Report queries: aggregate SQL over the stored rollups, a fixed number of statements each.
Credit hours come from the ledger (app.credits), never from the enrollments.

Nothing here runs a query per learner or per unit. The unit report aggregates learner-course
pairs per unit in the database (a few thousand rows at most) and rolls those up to the child
units in Python; the learner list (app.reports.learner_list) streams from a server-side cursor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, case, func, literal, select
from sqlalchemy.orm import Session

from app.credits.totals import hours_by_unit_path
from app.models import (
    Course,
    Enrollment,
    Lesson,
    LessonProgress,
    Module,
    Unit,
    UnitCourse,
    User,
)
from app.organisation.tree import in_subtree
from app.reports import counters, month_counters

STATUSES = ("completed", "in_progress", "not_started", "overdue")


@dataclass(frozen=True)
class ReportFilters:
    """What a report is limited to: one course, a completion period, a status (learner list)."""

    course: Course | None = None
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    status: str | None = None
    # Learner list only: words of a learner's name or username.
    search: str = ""
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    today: date = field(default_factory=date.today)

    def period_bounds(self) -> tuple[datetime | None, datetime | None]:
        """The period as UTC instants: [start of date_from, start of the day after date_to)."""
        start = end = None
        if self.date_from:
            start = datetime.combine(self.date_from, time(), self.zone).astimezone(UTC)
        if self.date_to:
            end = datetime.combine(self.date_to + timedelta(days=1), time(), self.zone)
            end = end.astimezone(UTC)
        return start, end


def in_period(column, filters: ReportFilters):  # noqa: ANN001, ANN202
    """A condition: the timestamp column lies in the period (always true without one)."""
    start, end = filters.period_bounds()
    conditions = [column.is_not(None)]
    if start is not None:
        conditions.append(column >= start)
    if end is not None:
        conditions.append(column < end)
    return and_(*conditions)


@dataclass
class UnitTotals:
    """Counts for one row of the unit report (a child unit's subtree, or the whole unit)."""

    learners: int = 0
    assigned: int = 0
    completed: int = 0
    in_progress: int = 0
    overdue: int = 0
    score_sum: float = 0.0
    scored: int = 0
    credit_hours: float = 0.0

    def add(self, other: UnitTotals) -> None:
        """Add another group's counts to these."""
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def not_started(self) -> int:
        """Assigned pairs neither completed (in the period) nor in progress."""
        return self.assigned - self.completed - self.in_progress

    @property
    def completion_rate(self) -> float | None:
        """Completed as a percentage of assigned (None when nothing is assigned)."""
        return round(100.0 * self.completed / self.assigned, 1) if self.assigned else None

    @property
    def avg_score(self) -> float | None:
        """Mean best score of the completed pairs that have a score."""
        return round(self.score_sum / self.scored, 1) if self.scored else None


@dataclass(frozen=True)
class UnitRow:
    """One line of the unit report."""

    unit: Unit | None  # None for "people directly in this unit"
    totals: UnitTotals
    is_total: bool = False


def assigned_pairs(query: Select, root: Unit, course: Course | None) -> Select:
    """`query` over the learner-course pairs of `root`'s subtree: every active learner with
    each course their unit is assigned (UnitCourse), and their enrollment if they have one."""
    query = (
        query.select_from(User)
        .join(Unit, Unit.id == User.unit_id)
        .join(UnitCourse, UnitCourse.unit_id == User.unit_id)
        .outerjoin(
            Enrollment,
            and_(Enrollment.user_id == User.id, Enrollment.course_id == UnitCourse.course_id),
        )
        .where(in_subtree(Unit.path, root.path), User.is_active.is_(True))
    )
    return query if course is None else query.where(UnitCourse.course_id == course.id)


def _pairs_by_unit(session: Session, root: Unit, filters: ReportFilters) -> Select:
    """Learner-course pairs of the subtree, aggregated per unit (one row per unit)."""
    completed_in_period = and_(
        Enrollment.status == "completed", in_period(Enrollment.completed_at, filters)
    )
    one = literal(1)
    query = select(
        Unit.path,
        func.count().label("assigned"),
        func.sum(case((completed_in_period, one), else_=0)).label("completed"),
        func.sum(case((Enrollment.status == "in_progress", one), else_=0)).label("in_progress"),
        func.sum(
            case(
                (
                    and_(
                        UnitCourse.due_date < filters.today,
                        func.coalesce(Enrollment.status, "not_started") != "completed",
                    ),
                    one,
                ),
                else_=0,
            )
        ).label("overdue"),
        func.sum(
            case(
                (
                    and_(completed_in_period, Enrollment.best_score.is_not(None)),
                    Enrollment.best_score,
                ),
                else_=0.0,
            )
        ).label("score_sum"),
        func.sum(
            case((and_(completed_in_period, Enrollment.best_score.is_not(None)), one), else_=0)
        ).label("scored"),
    )
    return assigned_pairs(query, root, filters.course).group_by(Unit.path)


def _groups_from_rows(
    session: Session, root: Unit, filters: ReportFilters
) -> dict[str, UnitTotals]:
    """Each unit's figures aggregated from the learners' rows: what a completion period needs
    (the counters hold all-time figures). Three statements; their cost grows with learners."""
    learners = dict(
        session.execute(
            select(Unit.path, func.count())
            .select_from(User)
            .join(Unit, Unit.id == User.unit_id)
            .where(in_subtree(Unit.path, root.path), User.is_active.is_(True))
            .group_by(Unit.path)
        ).all()
    )
    # Hours from the ledger: completions, adjustments and any other entry, by when earned.
    start, end = filters.period_bounds()
    course_id = filters.course.id if filters.course is not None else None
    credits = dict(
        session.execute(hours_by_unit_path(root, start=start, end=end, course_id=course_id)).all()
    )
    pairs = {row.path: row for row in session.execute(_pairs_by_unit(session, root, filters))}
    groups = {}
    for path in learners.keys() | credits.keys() | pairs.keys():
        row = pairs.get(path)
        groups[path] = UnitTotals(
            learners=learners.get(path, 0),
            assigned=row.assigned if row else 0,
            completed=int(row.completed or 0) if row else 0,
            in_progress=int(row.in_progress or 0) if row else 0,
            overdue=int(row.overdue or 0) if row else 0,
            score_sum=float(row.score_sum or 0) if row else 0.0,
            scored=int(row.scored or 0) if row else 0,
            credit_hours=float(credits.get(path) or 0),
        )
    return groups


def _groups_from_counters(
    session: Session, root: Unit, filters: ReportFilters
) -> dict[str, UnitTotals]:
    """Each unit's figures from the stored counters (no period): three statements over at most
    units x courses rows, whatever the number of learners."""
    return {
        path: UnitTotals(
            learners=group.learners,
            assigned=group.assigned,
            completed=group.completed,
            in_progress=group.in_progress,
            overdue=group.overdue,
            score_sum=group.score_sum,
            scored=group.scored,
            credit_hours=group.hours,
        )
        for path, group in counters.unit_groups(
            session, root, course=filters.course, today=filters.today
        ).items()
    }


def _groups_from_months(
    session: Session, root: Unit, filters: ReportFilters, months: tuple[int | None, int | None]
) -> dict[str, UnitTotals]:
    """Each unit's figures for a period of whole months: learners, assigned pairs, in progress
    and overdue from the counters (as with any period), completions, scores and hours from the
    month buckets. Five statements over units x courses (x months) rows."""
    groups = _groups_from_counters(session, root, filters)
    in_months = month_counters.month_groups(session, root, course=filters.course, months=months)
    for path in groups.keys() | in_months.keys():
        group = groups.setdefault(path, UnitTotals())
        found = in_months.get(path, month_counters.MonthGroup())
        group.completed, group.score_sum = found.completed, found.score_sum
        group.scored, group.credit_hours = found.scored, found.hours
    return groups


def reads_learner_rows(session: Session, filters: ReportFilters) -> bool:
    """Whether the unit report for `filters` is counted from every learner's rows (a period
    that is not whole months) rather than from stored counters."""
    if not (filters.date_from or filters.date_to):
        return False
    return month_counters.whole_months(filters, month_counters.stored_offset(session)) is None


def unit_report(session: Session, root: Unit, filters: ReportFilters) -> list[UnitRow]:
    """One row per child unit (each covering its subtree), people directly in `root`, and the
    total for `root`'s whole subtree. Four statements, whatever the size.

    Without a completion period the figures come from the counters the database keeps
    (app.reports.counters), and for whole months from the month buckets
    (app.reports.month_counters), so the cost does not grow with learners; other periods need
    the learners' rows. Each statement aggregates per unit path; the paths then say which child's
    subtree each group belongs to, so rolling up is a pass over at most one row per unit.
    """
    children = {u.id: u for u in session.scalars(select(Unit).where(Unit.parent_id == root.id))}
    months = month_counters.whole_months(filters, month_counters.stored_offset(session))
    if months is not None:
        groups = _groups_from_months(session, root, filters, months)
    elif filters.date_from or filters.date_to:
        groups = _groups_from_rows(session, root, filters)
    else:
        groups = _groups_from_counters(session, root, filters)
    per_child: dict[int | None, UnitTotals] = {cid: UnitTotals() for cid in children}
    total = UnitTotals()
    prefix = len(root.path)
    for path, group in groups.items():
        segment = path[prefix:].split("/", 1)[0]
        key = int(segment) if segment else None
        per_child.setdefault(key, UnitTotals()).add(group)
        total.add(group)
    rows = [
        UnitRow(children[cid], per_child[cid])
        for cid in sorted(children, key=lambda i: (children[i].name, children[i].code))
    ]
    direct = per_child.get(None)
    if direct and (direct.learners or direct.assigned):
        rows.append(UnitRow(None, direct))
    rows.append(UnitRow(root, total, is_total=True))
    return rows


@dataclass(frozen=True)
class LessonLine:
    """How far a unit's learners got in one lesson."""

    module_title: str
    lesson_title: str
    started: int
    completed: int


@dataclass(frozen=True)
class ModuleLine:
    """How many of a unit's learners completed every lesson of a module."""

    title: str
    lessons: int
    completed_by: int


@dataclass(frozen=True)
class CourseBreakdown:
    """Completion per module and drop-off per lesson, for one course in one unit's subtree."""

    assigned: int
    completed: int
    modules: list[ModuleLine]
    lessons: list[LessonLine]


def course_breakdown(session: Session, root: Unit, course: Course) -> CourseBreakdown:
    """Module completion and lesson drop-off for `course` among `root`'s learners (4 queries)."""
    learner_ids = (
        select(User.id)
        .join(Unit, Unit.id == User.unit_id)
        .where(in_subtree(Unit.path, root.path), User.is_active.is_(True))
    )
    pairs = session.execute(
        assigned_pairs(
            select(func.count(), func.sum(case((Enrollment.status == "completed", 1), else_=0))),
            root,
            course,
        )
    ).one()
    lesson_stats = session.execute(
        select(
            Lesson.id,
            Module.title,
            Lesson.title,
            func.count(LessonProgress.id),
            func.count(LessonProgress.completed_at),
        )
        .join(Module, Module.id == Lesson.module_id)
        .outerjoin(
            LessonProgress,
            and_(LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id.in_(learner_ids)),
        )
        .where(Lesson.course_id == course.id, Lesson.archived.is_(False))
        .group_by(Lesson.id, Module.title, Lesson.title, Lesson.position)
        .order_by(Lesson.position)
    ).all()
    per_user_module = (
        select(LessonProgress.user_id, Lesson.module_id, func.count().label("done"))
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(
            Lesson.course_id == course.id,
            Lesson.archived.is_(False),
            LessonProgress.completed_at.is_not(None),
            LessonProgress.user_id.in_(learner_ids),
        )
        .group_by(LessonProgress.user_id, Lesson.module_id)
        .subquery()
    )
    module_size = (
        select(Lesson.module_id, func.count().label("size"))
        .where(Lesson.course_id == course.id, Lesson.archived.is_(False))
        .group_by(Lesson.module_id)
        .subquery()
    )
    module_rows = session.execute(
        select(
            Module.id,
            Module.title,
            module_size.c.size,
            func.count(per_user_module.c.user_id),
        )
        .join(module_size, module_size.c.module_id == Module.id)
        .outerjoin(
            per_user_module,
            and_(
                per_user_module.c.module_id == Module.id,
                per_user_module.c.done >= module_size.c.size,
            ),
        )
        .where(Module.course_id == course.id, Module.archived.is_(False))
        .group_by(Module.id, Module.title, module_size.c.size, Module.position)
        .order_by(Module.position)
    ).all()
    return CourseBreakdown(
        assigned=pairs[0] or 0,
        completed=int(pairs[1] or 0),
        modules=[ModuleLine(title, int(size), int(done)) for _id, title, size, done in module_rows],
        lessons=[
            LessonLine(module, title, int(started), int(completed))
            for _id, module, title, started, completed in lesson_stats
        ],
    )
