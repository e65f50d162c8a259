"""Course content as imported by `courses sync`: rendered, sanitised, versioned, never deleted.

Identity is the trainer's `slug` (the `id` in the Markdown files) within its course, so renaming,
reordering or moving files keeps every learner's progress. Items that disappear from the files
are archived: hidden from learners, kept for reports and past attempts.
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
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models.types import UTCDateTime, utcnow


class Course(Base):
    """A course: its catalogue fields, rendered overview and the version of its content."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8))
    credit_hours: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    overview_html: Mapped[str] = mapped_column(Text, default="")
    # Lessons learners can see; kept here so rollups and the catalogue need no count query.
    lesson_count: Mapped[int] = mapped_column(Integer, default=0)
    module_count: Mapped[int] = mapped_column(Integer, default=0)
    # Raised whenever a sync changes anything; a completion records the version it was earned on.
    version: Mapped[int] = mapped_column(Integer, default=1)
    sync_hash: Mapped[str] = mapped_column(String(64), default="")
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    modules: Mapped[list[Module]] = relationship(
        back_populates="course", order_by="Module.position"
    )

    __table_args__ = (
        CheckConstraint("status IN ('draft', 'published')", name="status_known"),
        CheckConstraint("language IN ('en', 'zh')", name="language_known"),
        CheckConstraint("credit_hours > 0", name="credit_hours_positive"),
    )


class Module(Base):
    """A module of a course; `position` orders modules within the course."""

    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    intro_html: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)

    course: Mapped[Course] = relationship(back_populates="modules")

    __table_args__ = (UniqueConstraint("course_id", "slug"),)


class Lesson(Base):
    """A lesson: rendered HTML with quiz placeholders, its quiz settings and content hash."""

    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    minutes: Mapped[int] = mapped_column(Integer)
    # Order within the whole course (module order, then file order), for previous/next.
    position: Mapped[int] = mapped_column(Integer)
    body_html: Mapped[str] = mapped_column(Text, default="")
    pass_percent: Mapped[float] = mapped_column(Float, default=80)
    max_attempts: Mapped[int] = mapped_column(Integer, default=0)
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    shuffle: Mapped[bool] = mapped_column(Boolean, default=False)
    show_answers: Mapped[str] = mapped_column(String(16), default="after_pass")
    draw: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Ids of the lessons to complete before this one's quiz opens (`requires: all` resolved at
    # sync time to every other lesson of the course).
    requires: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Whether the lesson is completed by passing a quiz rather than by "mark as complete".
    has_quiz: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # The visible lessons just before and after this one in course order, written at sync
    # (app.content.sync) so the lesson page needs no query of its own for its pager. None at
    # either end of the course, and on archived lessons.
    previous_lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="SET NULL")
    )
    next_lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="SET NULL")
    )

    module: Mapped[Module] = relationship()
    course: Mapped[Course] = relationship()

    __table_args__ = (
        UniqueConstraint("course_id", "slug"),
        Index("ix_lessons_course_id_position", "course_id", "position"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
        CheckConstraint("pass_percent BETWEEN 0 AND 100", name="pass_percent_range"),
        CheckConstraint("max_attempts >= 0", name="max_attempts_non_negative"),
        CheckConstraint(
            "show_answers IN ('after_submit', 'after_pass', 'after_final', 'never')",
            name="show_answers_known",
        ),
    )


class Question(Base):
    """A question in a lesson (`lesson_id`) or a pool (`pool`), at its current version."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), index=True
    )
    pool: Mapped[str | None] = mapped_column(String(64))
    slug: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    archived: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        UniqueConstraint("course_id", "slug"),
        Index("ix_questions_course_id_pool", "course_id", "pool"),
        CheckConstraint(
            "type IN ('single', 'multiple', 'truefalse', 'short', 'numeric')", name="type_known"
        ),
        CheckConstraint("(lesson_id IS NULL) <> (pool IS NULL)", name="lesson_or_pool"),
    )


class QuestionVersion(Base):
    """One version of a question's content, as learners saw and were graded on it.

    `data` holds the rendered prompt, options (with correct flags and feedback), accepted
    answers, points, scoring and explanation. Rows are never changed once written, so an
    attempt that points at a version keeps its meaning after the trainer edits the question.
    """

    __tablename__ = "question_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    points: Mapped[float] = mapped_column(Float)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("question_id", "version"),
        CheckConstraint("points > 0", name="points_positive"),
    )


class CourseAsset(Base):
    """A file from a course's assets/ folder, kept in the database so app servers hold no files."""

    __tablename__ = "course_assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(400))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (UniqueConstraint("course_id", "path"),)
