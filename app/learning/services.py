"""Reading what the learner pages show: catalogue, course outline, lesson, dashboard.

Each function is a small, fixed number of queries whatever the course or catalogue size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import String, and_, cast, func, or_, select
from sqlalchemy.orm import Session, contains_eager

from app.content.lookup import visible_courses
from app.credits.totals import year_total
from app.models import (
    Course,
    Enrollment,
    Lesson,
    LessonProgress,
    Module,
    UnitCourse,
    User,
)
from app.web.pagination import Page, page_window

PAGE_SIZE = 20


@dataclass(frozen=True)
class CatalogueEntry:
    """A course in the catalogue with the learner's enrollment and assignment, if any."""

    course: Course
    enrollment: Enrollment | None
    assignment: UnitCourse | None = None


def catalogue(
    session: Session, user: User, *, search: str = "", language: str = "", page: int = 1
) -> Page[CatalogueEntry]:
    """Courses the user may open, filtered by title/tag words and language, with their progress."""
    where = [visible_courses(user)]
    if language in ("en", "zh"):
        where.append(Course.language == language)
    for word in search.split()[:5]:
        word = word.lower()
        where.append(
            or_(
                func.lower(Course.title).contains(word, autoescape=True),
                func.lower(cast(Course.tags, String)).contains(word, autoescape=True),
            )
        )
    total = session.scalar(select(func.count(Course.id)).where(*where)) or 0
    window = page_window(total, page, PAGE_SIZE)
    rows = session.execute(
        select(Course, Enrollment, UnitCourse)
        .outerjoin(
            Enrollment, and_(Enrollment.course_id == Course.id, Enrollment.user_id == user.id)
        )
        .outerjoin(
            UnitCourse,
            and_(UnitCourse.course_id == Course.id, UnitCourse.unit_id == user.unit_id),
        )
        .where(*where)
        # Required courses first (soonest due first), then by title.
        .order_by(
            UnitCourse.required.is_(True).desc(),
            UnitCourse.due_date.is_(None),
            UnitCourse.due_date,
            Course.title,
        )
        .limit(window.limit)
        .offset(window.offset)
    )
    return window.with_items(CatalogueEntry(c, e, a) for c, e, a in rows)


@dataclass
class ModuleOutline:
    """A module with its visible lessons and how many of them the learner has completed."""

    module: Module
    lessons: list[Lesson] = field(default_factory=list)
    completed: int = 0

    @property
    def percent(self) -> int:
        """Completed share of the module's lessons, 0-100."""
        return round(100 * self.completed / len(self.lessons)) if self.lessons else 0


@dataclass(frozen=True)
class CourseOutline:
    """The course page: modules, lessons, the learner's completions and where to continue
    (the first lesson, in course order, not completed yet)."""

    course: Course
    modules: list[ModuleOutline]
    completed_lesson_ids: set[int]
    enrollment: Enrollment | None
    continue_lesson: Lesson | None
    assignment: UnitCourse | None = None


def course_outline(session: Session, user: User, course: Course) -> CourseOutline:
    """Everything the course page shows, in three queries."""
    rows = session.execute(
        select(Module, Lesson)
        .join(Lesson, and_(Lesson.module_id == Module.id, Lesson.archived.is_(False)))
        .where(Module.course_id == course.id, Module.archived.is_(False))
        .order_by(Lesson.position)
    ).all()
    completed = set(
        session.scalars(
            select(LessonProgress.lesson_id).where(
                LessonProgress.user_id == user.id,
                LessonProgress.course_id == course.id,
                LessonProgress.completed_at.is_not(None),
            )
        )
    )
    enrollment, assignment = _enrollment_and_assignment(session, user, course)
    outlines: dict[int, ModuleOutline] = {}
    lessons: list[Lesson] = []
    for module, lesson in rows:
        outline = outlines.setdefault(module.id, ModuleOutline(module))
        outline.lessons.append(lesson)
        outline.completed += lesson.id in completed
        lessons.append(lesson)
    ordered = sorted(outlines.values(), key=lambda o: o.module.position)
    return CourseOutline(
        course=course,
        modules=ordered,
        completed_lesson_ids=completed,
        enrollment=enrollment,
        continue_lesson=next((lesson for lesson in lessons if lesson.id not in completed), None),
        assignment=assignment,
    )


def _enrollment_and_assignment(
    session: Session, user: User, course: Course
) -> tuple[Enrollment | None, UnitCourse | None]:
    """The learner's enrollment in and assignment of a course, in one query."""
    row = session.execute(
        select(Course.id, Enrollment, UnitCourse)
        .outerjoin(
            Enrollment, and_(Enrollment.course_id == Course.id, Enrollment.user_id == user.id)
        )
        .outerjoin(
            UnitCourse,
            and_(UnitCourse.course_id == Course.id, UnitCourse.unit_id == user.unit_id),
        )
        .where(Course.id == course.id)
    ).first()
    return (row[1], row[2]) if row else (None, None)


@dataclass(frozen=True)
class Neighbour:
    """The previous or next lesson, for the links at the bottom of a lesson."""

    slug: str
    title: str
    position: int


def neighbours(session: Session, lesson: Lesson) -> tuple[Neighbour | None, Neighbour | None]:
    """The visible lessons just before and after `lesson` (stored on it at sync), in one
    query, or none at all for a course's only lesson."""
    ids = [i for i in (lesson.previous_lesson_id, lesson.next_lesson_id) if i is not None]
    if not ids:
        return None, None
    found = {
        row.id: Neighbour(row.slug, row.title, row.position)
        for row in session.execute(
            select(Lesson.id, Lesson.slug, Lesson.title, Lesson.position).where(Lesson.id.in_(ids))
        )
    }
    prev = found.get(lesson.previous_lesson_id) if lesson.previous_lesson_id else None
    nxt = found.get(lesson.next_lesson_id) if lesson.next_lesson_id else None
    return prev, nxt


@dataclass(frozen=True)
class RequiredCourse:
    """A course assigned to the learner's unit that they have not completed."""

    course: Course
    due_date: date | None
    enrollment: Enrollment | None

    def overdue(self, today: date) -> bool:
        """Past its due date and still not completed."""
        return self.due_date is not None and self.due_date < today


@dataclass(frozen=True)
class Dashboard:
    """The signed-in learner's home page."""

    in_progress: list[Enrollment]
    # Where each course in progress continues (by course id): its first lesson not completed.
    continue_at: dict[int, Lesson]
    required: list[RequiredCourse]
    completed: list[Enrollment]
    credit_hours_this_year: float
    target: float
    today: date


def first_unfinished_lessons(
    session: Session, user: User, course_ids: list[int]
) -> dict[int, Lesson]:
    """The first visible lesson, in course order, that the learner has not completed, for each
    of these courses (by course id; a course with every lesson completed is left out).
    One query, whatever the number of courses."""
    if not course_ids:
        return {}
    completed = select(LessonProgress.lesson_id).where(
        LessonProgress.user_id == user.id,
        LessonProgress.course_id.in_(course_ids),
        LessonProgress.completed_at.is_not(None),
    )
    first = (
        select(Lesson.course_id, func.min(Lesson.position).label("position"))
        .join(Module, Module.id == Lesson.module_id)
        .where(
            Lesson.course_id.in_(course_ids),
            Lesson.archived.is_(False),
            Module.archived.is_(False),
            Lesson.id.not_in(completed),
        )
        .group_by(Lesson.course_id)
        .subquery()
    )
    lessons = session.scalars(
        select(Lesson).join(
            first, and_(Lesson.course_id == first.c.course_id, Lesson.position == first.c.position)
        )
    )
    return {lesson.course_id: lesson for lesson in lessons}


def dashboard(
    session: Session, user: User, *, target: float, today: date
) -> Dashboard:
    """Continue learning, required courses, this year's credit hours (the ledger's sum for the
    local year of `today`) against the learner's `target`, and completed courses."""
    rows = session.scalars(
        select(Enrollment)
        .join(Course, Course.id == Enrollment.course_id)
        .options(contains_eager(Enrollment.course))
        .where(Enrollment.user_id == user.id, Course.status == "published")
        .order_by(Enrollment.last_activity_at.desc().nulls_last(), Course.title)
    ).all()
    hours = year_total(session, user, today.year)
    by_course = {e.course_id: e for e in rows}
    assigned = session.execute(
        select(Course, UnitCourse.due_date)
        .join(UnitCourse, UnitCourse.course_id == Course.id)
        .where(
            UnitCourse.unit_id == user.unit_id,
            UnitCourse.required.is_(True),
            Course.status == "published",
        )
    ).all()
    required = [
        RequiredCourse(course, due, by_course.get(course.id))
        for course, due in assigned
        if not (course.id in by_course and by_course[course.id].status == "completed")
    ]
    in_progress = [e for e in rows if e.status == "in_progress"][:5]
    return Dashboard(
        in_progress=in_progress,
        continue_at=first_unfinished_lessons(session, user, [e.course_id for e in in_progress]),
        required=sorted(required, key=lambda r: (r.due_date is None, r.due_date or today)),
        completed=sorted(
            (e for e in rows if e.status == "completed"),
            key=lambda e: e.completed_at,  # type: ignore[arg-type,return-value]
            reverse=True,
        ),
        credit_hours_this_year=hours,
        target=target,
        today=today,
    )
