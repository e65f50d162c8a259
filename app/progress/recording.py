"""Recording a learner's progress: first views, completions and time on task.

Every function changes the lesson-progress row and the enrollment rollup together, in the
caller's transaction, so the two can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.models import Course, Enrollment, LearnerClock, Lesson, LessonProgress, User
from app.models.types import utcnow
from app.progress.prerequisites import require_completed
from app.progress.rollups import refresh_enrollment

HEARTBEAT_SECONDS = 30
# A heartbeat may arrive a little late (slow network, busy browser); anything later than this
# means the learner was away, and only one interval is counted.
_HEARTBEAT_SLACK = 15


class ProgressError(ValueError):
    """An action on progress that is not allowed (e.g. marking a quiz lesson complete)."""


def enrollment_for(
    session: Session, user: User, course: Course, *, lock: bool = False
) -> Enrollment | None:
    """The learner's enrollment in `course`, locked for update when about to change it."""
    query = select(Enrollment).where(
        Enrollment.user_id == user.id, Enrollment.course_id == course.id
    )
    if lock:
        query = query.with_for_update()
    return session.scalar(query)


def enroll(session: Session, user: User, course: Course, *, lock: bool = False) -> Enrollment:
    """The learner's enrollment in `course`, created (not started) if there is none yet."""
    enrollment = enrollment_for(session, user, course, lock=lock)
    if enrollment is None:
        enrollment = Enrollment(
            user_id=user.id,
            course_id=course.id,
            status="not_started",
            completed_lessons=0,
            percent=0.0,
            credit_hours_awarded=0.0,
        )
        session.add(enrollment)
        session.flush()
    return enrollment


@dataclass(frozen=True)
class LessonVisit:
    """What the lesson page needs to know about the learner's progress."""

    enrollment: Enrollment
    progress: LessonProgress


def current_visit(
    session: Session, user: User, course: Course, lesson: Lesson
) -> tuple[Enrollment | None, LessonProgress | None]:
    """The learner's enrollment in the course and progress in the lesson, in one query."""
    row = session.execute(
        select(Lesson.id, Enrollment, LessonProgress)
        .select_from(Lesson)
        .outerjoin(
            Enrollment, and_(Enrollment.user_id == user.id, Enrollment.course_id == course.id)
        )
        .outerjoin(
            LessonProgress,
            and_(LessonProgress.user_id == user.id, LessonProgress.lesson_id == Lesson.id),
        )
        .where(Lesson.id == lesson.id)
    ).one()
    return row[1], row[2]


def view_needs_recording(
    enrollment: Enrollment | None, progress: LessonProgress | None, lesson: Lesson
) -> bool:
    """Whether opening `lesson` changes anything (first visit, start, or a different lesson)."""
    return (
        enrollment is None
        or progress is None
        or enrollment.started_at is None
        or enrollment.last_lesson_id != lesson.id
    )


def record_view(session: Session, user: User, course: Course, lesson: Lesson) -> LessonVisit:
    """Note that the learner opened a lesson: enroll on first visit, start the course, remember
    the lesson for "continue where you left off". Writes only what changed."""
    now = utcnow()
    enrollment, progress = current_visit(session, user, course, lesson)
    if enrollment is None:
        enrollment = enroll(session, user, course)
    if progress is None:
        progress = LessonProgress(
            user_id=user.id,
            lesson_id=lesson.id,
            course_id=course.id,
            first_viewed_at=now,
            seconds_spent=0,
        )
        session.add(progress)
    if enrollment.started_at is None:
        enrollment.started_at = now
        if enrollment.status == "not_started":
            enrollment.status = "in_progress"
    if enrollment.last_lesson_id != lesson.id:
        enrollment.last_lesson_id = lesson.id
        enrollment.last_activity_at = now
    session.flush()
    return LessonVisit(enrollment=enrollment, progress=progress)


def record_activity(
    session: Session, user: User, course: Course, lesson: Lesson, *, completed: bool
) -> LessonVisit:
    """Note work on a lesson (a completion, or a quiz attempt) and update the rollup.

    The enrollment row is locked first, so two events arriving at once (two tabs) cannot both
    count the same lessons. Completing twice changes nothing; credit hours are awarded when the
    last lesson of the course is completed.
    """
    enrollment = enroll(session, user, course, lock=True)
    visit = record_view(session, user, course, lesson)
    if completed and visit.progress.completed_at is None:
        visit.progress.completed_at = utcnow()
        session.flush()
        refresh_enrollment(session, enrollment, course)
    enrollment.last_activity_at = utcnow()
    return visit


def complete_lesson(session: Session, user: User, course: Course, lesson: Lesson) -> Enrollment:
    """Mark a lesson complete and update the rollup (credit hours when the course is done)."""
    return record_activity(session, user, course, lesson, completed=True).enrollment


def mark_complete(session: Session, user: User, course: Course, lesson: Lesson) -> Enrollment:
    """The "mark as complete" button: only for lessons that have no quiz, and only once the
    lessons it requires are completed (else RequirementsMissingError)."""
    if lesson.has_quiz:
        raise ProgressError("a lesson with a quiz is completed by passing the quiz")
    require_completed(session, user, lesson)
    return complete_lesson(session, user, course, lesson)


def time_cap_seconds(lesson: Lesson, cap_minutes: int | None) -> int:
    """Most time counted for a lesson: the configured cap, else twice its estimated minutes."""
    return (cap_minutes if cap_minutes else 2 * lesson.minutes) * 60


def _previous_beat(session: Session, user: User, lesson: Lesson, now: datetime) -> datetime | None:
    """When the learner's previous heartbeat (from any lesson) arrived, with their clock row
    locked until the transaction ends and moved on to `now`; None for a learner's first beat.

    The lock makes two tabs' beats count one after the other. A first beat from two tabs at
    once: both find no row, one inserts it, the other's insert waits for that commit and does
    nothing, and its second SELECT then reads (and locks) the row the first wrote.
    """
    query = select(LearnerClock.beat_at).where(LearnerClock.user_id == user.id).with_for_update()
    previous = session.scalar(query)
    if previous is None:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        # RETURNING, not rowcount: psycopg reports -1 for an upsert's rowcount.
        created = session.scalar(
            insert(LearnerClock)
            .values(user_id=user.id, lesson_id=lesson.id, beat_at=now)
            .on_conflict_do_nothing(index_elements=[LearnerClock.user_id])
            .returning(LearnerClock.user_id)
        )
        if created is not None:
            return None
        previous = session.scalar(query)
    session.execute(
        update(LearnerClock)
        .where(LearnerClock.user_id == user.id)
        .values(lesson_id=lesson.id, beat_at=max(previous, now))
    )
    return previous


def earned_seconds(previous: datetime | None, now: datetime) -> int:
    """What one heartbeat at `now` earns, the learner's previous one (any lesson) at `previous`.

    A beat says "active for the last interval": the first one, or one after a break, earns one
    interval; one that follows another closer than that earns only the time between them, so
    beats from several open lessons share the wall-clock time instead of each earning it.
    """
    if previous is None:
        return HEARTBEAT_SECONDS
    elapsed = (now - previous).total_seconds()
    if elapsed > HEARTBEAT_SECONDS + _HEARTBEAT_SLACK:
        return HEARTBEAT_SECONDS  # back after a break: count one interval, not the break
    return int(min(max(elapsed, 0), HEARTBEAT_SECONDS))


def record_heartbeat(
    session: Session,
    user: User,
    lesson: Lesson,
    *,
    cap_minutes: int | None = None,
    now: datetime | None = None,
) -> int:
    """Count time on task from a heartbeat; returns the lesson's total seconds.

    Time accrues for one lesson at a time per learner: at most one interval per heartbeat,
    never more than the wall-clock time since the learner's previous heartbeat in any lesson
    (`earned_seconds`), and a lesson's total never passes its cap. Four statements when the
    learner has beaten before: the lesson's row, the clock, the clock's update and the lesson's.
    """
    now = now or utcnow()
    progress = session.scalar(
        select(LessonProgress)
        .where(LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id)
        .with_for_update()
    )
    if progress is None:
        return 0
    earned = earned_seconds(_previous_beat(session, user, lesson, now), now)
    cap = time_cap_seconds(lesson, cap_minutes)
    progress.seconds_spent = min(cap, progress.seconds_spent + earned)
    progress.last_heartbeat_at = now
    return progress.seconds_spent
