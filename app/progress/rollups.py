"""Keeping the enrollment rollup right: after a learner's event, and after a course changes.

The rollup (completed lessons, percent, status, credit hours) is what every page and report
reads, so it is written in the same transaction as whatever changes it. A completion writes
its credit-hour ledger entry (app.credits.ledger) in that transaction too; the enrollment's
`credit_hours_awarded` mirrors the entry, and totals are summed from the ledger. It issues the
completion's certificate (app.progress.certificates) in that transaction as well.
"""

from __future__ import annotations

from sqlalchemy import Numeric, Select, and_, bindparam, case, cast, func, select, update
from sqlalchemy.orm import Session

from app.credits.ledger import award_completions
from app.models import Course, Enrollment, Lesson, LessonProgress
from app.models.types import utcnow
from app.progress.certificates import CourseCompletion, issue_course_certificates


def _completed_lessons(user_id: object, course_id: object) -> Select[tuple[int]]:
    """Completed, visible lessons of one learner in one course."""
    return (
        select(func.count(LessonProgress.id))
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(
            LessonProgress.user_id == user_id,
            LessonProgress.course_id == course_id,
            LessonProgress.completed_at.is_not(None),
            Lesson.archived.is_(False),
        )
    )


def complete_if_done(session: Session, enrollment: Enrollment, course: Course) -> bool:
    """Mark the enrollment completed if every visible lesson is done, award its credit hours
    under the rule in force (a ledger entry) and issue its certificate."""
    if enrollment.status == "completed" or course.lesson_count == 0:
        return False
    if enrollment.completed_lessons < course.lesson_count:
        return False
    enrollment.status = "completed"
    enrollment.percent = 100.0
    enrollment.completed_at = utcnow()
    enrollment.completed_version = course.version
    awarded = award_completions(
        session, course, [(enrollment.id, enrollment.user_id)], at=enrollment.completed_at
    )
    enrollment.credit_hours_awarded = awarded[enrollment.id]
    issue_course_certificates(
        session,
        [
            CourseCompletion(
                enrollment.id,
                enrollment.user_id,
                course.id,
                course.title,
                awarded[enrollment.id],
                enrollment.completed_at,
            )
        ],
    )
    return True


def refresh_enrollment(session: Session, enrollment: Enrollment, course: Course) -> None:
    """Recount one learner's completed lessons and update the rollup.

    A completed enrollment stays completed: lessons added later do not take it away.
    """
    if enrollment.status == "completed":
        return
    enrollment.completed_lessons = session.scalar(
        _completed_lessons(enrollment.user_id, enrollment.course_id)
    )
    total = max(course.lesson_count, 1)
    enrollment.percent = round(min(100.0, enrollment.completed_lessons * 100.0 / total), 1)
    if enrollment.status == "not_started" and enrollment.started_at is not None:
        enrollment.status = "in_progress"
    complete_if_done(session, enrollment, course)


def refresh_course_rollups(session: Session, course: Course) -> None:
    """After a sync changed a course: recount every unfinished enrollment in two statements."""
    unfinished = and_(Enrollment.course_id == course.id, Enrollment.status != "completed")
    completed = _completed_lessons(Enrollment.user_id, Enrollment.course_id).scalar_subquery()
    total = max(course.lesson_count, 1)
    session.execute(
        update(Enrollment)
        .where(unfinished)
        .values(
            completed_lessons=completed,
            percent=case(
                (completed >= total, 100.0),
                # PostgreSQL rounds only numerics, and the division yields a double.
                else_=func.round(cast(completed * 100.0 / total, Numeric(10, 4)), 1),
            ),
        )
        .execution_options(synchronize_session=False)
    )
    if not course.lesson_count:
        return
    # Lessons archived by the sync may have finished some enrollments: lock them, award their
    # hours and issue their certificates (batches, a bounded number of queries) and mark them
    # completed with the hours.
    done = session.execute(
        select(Enrollment.id, Enrollment.user_id)
        .where(unfinished, Enrollment.completed_lessons >= course.lesson_count)
        .with_for_update()
    ).all()
    if not done:
        return
    now = utcnow()
    awarded = award_completions(session, course, [(row.id, row.user_id) for row in done], at=now)
    table = Enrollment.__table__
    session.connection().execute(
        update(table)
        .where(table.c.id == bindparam("enrollment_id"))
        .values(
            status="completed",
            percent=100.0,
            completed_at=now,
            completed_version=course.version,
            credit_hours_awarded=bindparam("hours"),
        ),
        [{"enrollment_id": key, "hours": hours} for key, hours in awarded.items()],
    )
    issue_course_certificates(
        session,
        [
            CourseCompletion(row.id, row.user_id, course.id, course.title, awarded[row.id], now)
            for row in done
        ],
    )
