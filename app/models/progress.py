"""Learner progress, stored as it happens at two levels: per lesson and per course.

Reports aggregate `enrollments`, so their cost grows with units and courses, never with
learners x lessons. Both rows change in the same transaction as the event that causes them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models.content import Course, Lesson
from app.models.types import UTCDateTime, utcnow

ENROLLMENT_STATUSES = ("not_started", "in_progress", "completed")


class LessonProgress(Base):
    """One learner's progress in one lesson."""

    __tablename__ = "lesson_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    first_viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seconds_spent: Mapped[int] = mapped_column(Integer, default=0)
    # Best quiz score in this lesson (lessons with a quiz only).
    best_score: Mapped[float | None] = mapped_column(Float)
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lesson: Mapped[Lesson] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "lesson_id"),
        Index("ix_lesson_progress_user_id_course_id", "user_id", "course_id"),
        CheckConstraint("seconds_spent >= 0", name="seconds_non_negative"),
    )


class LearnerClock(Base):
    """When a learner's last heartbeat arrived, from any lesson: time on task accrues for one
    lesson at a time, so five open tabs never earn more than the wall-clock time between beats.
    """

    __tablename__ = "learner_clocks"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="SET NULL"))
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Enrollment(Base):
    """One learner in one course: the rollup every page and report reads."""

    __tablename__ = "enrollments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="not_started")
    completed_lessons: Mapped[int] = mapped_column(Integer, default=0)
    percent: Mapped[float] = mapped_column(Float, default=0)
    best_score: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    completed_version: Mapped[int | None] = mapped_column(Integer)
    credit_hours_awarded: Mapped[float] = mapped_column(Float, default=0)
    last_lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="SET NULL")
    )
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship()
    last_lesson: Mapped[Lesson | None] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "course_id"),
        CheckConstraint(
            "status IN ('not_started', 'in_progress', 'completed')", name="status_known"
        ),
        CheckConstraint("percent BETWEEN 0 AND 100", name="percent_range"),
        CheckConstraint("completed_lessons >= 0", name="completed_lessons_non_negative"),
        CheckConstraint("credit_hours_awarded >= 0", name="credit_hours_non_negative"),
        CheckConstraint(
            "(status = 'completed') = (completed_at IS NOT NULL)", name="completed_has_date"
        ),
    )
