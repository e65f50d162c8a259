"""One learner's record for HR and administrators: courses, lessons, quiz attempts, grants.

A fixed number of queries whatever the learner has done: courses come a page at a time, and
each lesson shows its newest attempts and grants with their totals (window functions, which
SQLite and PostgreSQL both have).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from app.credits.totals import all_time_total
from app.models import (
    Course,
    CreditEntry,
    Enrollment,
    Lesson,
    LessonProgress,
    QuizAttempt,
    Unit,
    UnitCourse,
    User,
)
from app.quiz.grants import LessonGrants, attempts_allowed, grants_by_lesson
from app.web.pagination import Page, page_window

COURSES_PER_PAGE = 10
# Attempts shown per lesson (the newest); the record says how many there are in all.
ATTEMPTS_SHOWN = 10


def learner_in_subtree(session: Session, root: Unit, username: str) -> User | None:
    """The user `username` if their unit lies in `root`'s subtree (else None, as if unknown)."""
    return session.scalar(
        select(User)
        .join(Unit, Unit.id == User.unit_id)
        .where(User.username == username, Unit.path.startswith(root.path, autoescape=True))
    )


@dataclass(frozen=True)
class AttemptLine:
    """One quiz attempt as the record shows it."""

    number: int
    status: str
    score: float | None
    passed: bool | None
    timed_out: bool
    started_at: datetime
    submitted_at: datetime | None


@dataclass
class LessonRecord:
    """The learner in one lesson: completion, best score, attempts and grants."""

    lesson: Lesson
    completed_at: datetime | None = None
    best_score: float | None = None
    attempts: list[AttemptLine] = field(default_factory=list)  # the newest first
    attempts_total: int = 0
    submitted: int = 0
    grants: LessonGrants | None = None

    @property
    def granted(self) -> int:
        """Extra attempts granted in all."""
        return self.grants.granted if self.grants else 0

    @property
    def allowed(self) -> int:
        """Attempts allowed in all (0: unlimited)."""
        return attempts_allowed(self.lesson.max_attempts, self.granted)

    @property
    def can_grant(self) -> bool:
        """Whether extra attempts mean anything here: a quiz with an attempt limit."""
        return self.lesson.has_quiz and self.lesson.max_attempts > 0


@dataclass(frozen=True)
class CourseRecord:
    """The learner in one course they are enrolled in or assigned."""

    course: Course
    status: str
    percent: float
    credit_hours: float
    completed_at: datetime | None
    due_date: date | None
    assigned: bool
    lessons: list[LessonRecord]


@dataclass(frozen=True)
class LearnerRecord:
    """A page of the learner's courses, and their credit hours in all (the ledger's sum)."""

    learner: User
    courses: Page[CourseRecord]
    credit_hours: float


def _courses_query(learner: User):  # noqa: ANN202
    """The learner's courses: those they are enrolled in and those assigned to their unit."""
    return (
        select(Course, Enrollment, UnitCourse, CreditEntry.hours)
        .outerjoin(
            Enrollment, and_(Enrollment.course_id == Course.id, Enrollment.user_id == learner.id)
        )
        .outerjoin(CreditEntry, CreditEntry.enrollment_id == Enrollment.id)
        .outerjoin(
            UnitCourse,
            and_(UnitCourse.course_id == Course.id, UnitCourse.unit_id == learner.unit_id),
        )
        .where(or_(Enrollment.id.is_not(None), UnitCourse.id.is_not(None)))
    )


def _lessons(session: Session, learner: User, course_ids: list[int]) -> dict[int, LessonRecord]:
    """Every current lesson of the courses with the learner's progress, in course order."""
    rows = session.execute(
        select(Lesson, LessonProgress.completed_at, LessonProgress.best_score)
        .outerjoin(
            LessonProgress,
            and_(LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == learner.id),
        )
        .where(Lesson.course_id.in_(course_ids), Lesson.archived.is_(False))
        .order_by(Lesson.course_id, Lesson.position)
    )
    return {
        lesson.id: LessonRecord(lesson, completed_at, best_score)
        for lesson, completed_at, best_score in rows
    }


def _add_attempts(session: Session, learner: User, lessons: dict[int, LessonRecord]) -> None:
    """The newest attempts per lesson, and how many there are, in one query."""
    partition = QuizAttempt.lesson_id
    ranked = (
        select(
            QuizAttempt.lesson_id,
            QuizAttempt.number,
            QuizAttempt.status,
            QuizAttempt.score,
            QuizAttempt.passed,
            QuizAttempt.timed_out,
            QuizAttempt.started_at,
            QuizAttempt.submitted_at,
            func.row_number()
            .over(partition_by=partition, order_by=QuizAttempt.number.desc())
            .label("rank"),
            func.count().over(partition_by=partition).label("total"),
            func.sum(case((QuizAttempt.status == "submitted", 1), else_=0))
            .over(partition_by=partition)
            .label("submitted_count"),
        )
        .where(QuizAttempt.user_id == learner.id, QuizAttempt.lesson_id.in_(list(lessons)))
        .subquery()
    )
    rows = session.execute(
        select(ranked).where(ranked.c.rank <= ATTEMPTS_SHOWN).order_by(ranked.c.rank)
    )
    for row in rows:
        record = lessons[row.lesson_id]
        record.attempts_total, record.submitted = row.total, int(row.submitted_count or 0)
        record.attempts.append(
            AttemptLine(
                row.number,
                row.status,
                row.score,
                row.passed,
                row.timed_out,
                row.started_at,
                row.submitted_at,
            )
        )


def learner_record(session: Session, learner: User, *, page: int = 1) -> LearnerRecord:
    """One page of the learner's courses with lessons, attempts and grants (six queries)."""
    query = _courses_query(learner)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    window = page_window(total, page, COURSES_PER_PAGE)
    rows = session.execute(
        query.order_by(Course.title, Course.id).offset(window.offset).limit(window.limit)
    ).all()
    lessons = _lessons(session, learner, [row[0].id for row in rows]) if rows else {}
    if lessons:
        _add_attempts(session, learner, lessons)
        for lesson_id, found in grants_by_lesson(session, learner, lessons).items():
            lessons[lesson_id].grants = found
    credit_hours = all_time_total(session, learner)
    courses = [
        CourseRecord(
            course=course,
            status=enrollment.status if enrollment else "not_started",
            percent=enrollment.percent if enrollment else 0.0,
            credit_hours=hours or 0.0,
            completed_at=enrollment.completed_at if enrollment else None,
            due_date=assigned.due_date if assigned else None,
            assigned=assigned is not None,
            lessons=[r for r in lessons.values() if r.lesson.course_id == course.id],
        )
        for course, enrollment, assigned, hours in rows
    ]
    return LearnerRecord(learner, window.with_items(courses), credit_hours)
