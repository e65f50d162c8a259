"""Quiz attempts: one row per attempt, one item per question given, each a snapshot; and the
extra attempts staff grant a learner beyond a lesson's `max_attempts`.

The database itself enforces "exactly once": an attempt number is unique per learner and
lesson, a learner has at most one open attempt per lesson, and submitting is a conditional
update from open to submitted that only one request can win.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models.content import QuestionVersion
from app.models.types import UTCDateTime, utcnow

# How long a grant's reason may be: a sentence or two, shown to the learner.
REASON_MAX_LENGTH = 500


class QuizAttempt(Base):
    """A learner's attempt at a lesson's quiz."""

    __tablename__ = "quiz_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    # Sent with the form; a submission names the attempt it answers, so a replay finds it.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Closed because the time ran out (answers that came too late were not accepted).
    timed_out: Mapped[bool] = mapped_column(Boolean, default=False)
    points_earned: Mapped[float | None] = mapped_column(Float)
    points_possible: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    pass_percent: Mapped[float] = mapped_column(Float)

    items: Mapped[list[AttemptItem]] = relationship(
        back_populates="attempt", order_by="AttemptItem.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("user_id", "lesson_id", "number"),
        Index(
            "uq_quiz_attempts_one_open",
            "user_id",
            "lesson_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        CheckConstraint("status IN ('open', 'submitted')", name="status_known"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint(
            "(status = 'submitted') = (submitted_at IS NOT NULL)", name="submitted_has_time"
        ),
        CheckConstraint("score IS NULL OR score BETWEEN 0 AND 100", name="score_range"),
    )


class AttemptItem(Base):
    """One question as given in an attempt: which version, in which order, and the result."""

    __tablename__ = "attempt_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_attempts.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    question_version_id: Mapped[int] = mapped_column(
        ForeignKey("question_versions.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    # Source positions of the options in the order they were shown (shuffle is per attempt).
    option_order: Mapped[list[int]] = mapped_column(JSON, default=list)
    response: Mapped[Any] = mapped_column(JSON, nullable=True)
    correct: Mapped[bool | None] = mapped_column(Boolean)
    points_earned: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str | None] = mapped_column(String(200))

    attempt: Mapped[QuizAttempt] = relationship(back_populates="items")
    version: Mapped[QuestionVersion] = relationship()

    __table_args__ = (
        UniqueConstraint("attempt_id", "question_id"),
        UniqueConstraint("attempt_id", "position"),
    )


class AttemptGrant(Base):
    """Extra attempts at one lesson's quiz for one learner, granted by staff with a reason.

    Attempts allowed = the lesson's `max_attempts` + the sum of the learner's grants for it.
    Grants are never edited or deleted: like attempts, they are part of the official record.
    """

    __tablename__ = "attempt_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    count: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(REASON_MAX_LENGTH))
    # Null when granted from the command line (an administrator on the server).
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # The quiz state reads a learner's grants for one lesson on every quiz page.
        Index("ix_attempt_grants_user_id_lesson_id", "user_id", "lesson_id"),
        CheckConstraint("count > 0", name="count_positive"),
        CheckConstraint("length(trim(reason)) > 0", name="reason_not_empty"),
    )
