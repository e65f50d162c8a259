"""The trainer studio: who may edit which course, and the revisions of a course's files.

A course is named by its id (`slug`) rather than a foreign key to `courses`: a trainer may
upload a course that has never been synced, and a revision stays in the history if the course
row changes. Files of a revision live on disk under STUDIO_DIR/revisions/<token>/
(app.studio.storage); the rows hold who, when, what the check found and the content hash.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models.identity import User
from app.models.types import UTCDateTime, utcnow

REVISION_STATUSES = ("staged", "published", "discarded")
REVISION_SOURCES = ("upload", "editor", "git")


class CourseEditor(Base):
    """A trainer who may upload, check and publish one course.

    `granted_by_id` is the administrator who granted it; empty when the trainer became the
    editor by uploading a course id nobody had (or the granter's account was deleted).
    """

    __tablename__ = "course_editors"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the unique constraint (course_slug, user_id) serves lookups by course.
    course_slug: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    granted_by: Mapped[User | None] = relationship(foreign_keys=[granted_by_id])

    __table_args__ = (UniqueConstraint("course_slug", "user_id"),)


class CourseRevision(Base):
    """One set of a course's files: staged (checked, waiting), published, or discarded.

    `token` is random and names the folder of the files, so a revision's address cannot be
    guessed from another's. `problems` is what the check found, each
    {"path": relative to the course folder, "line", "severity", "message"}. A course has at
    most one staged revision (staging a new one discards the older); published revisions are
    kept as the history of the course (who, when, content hash).
    """

    __tablename__ = "course_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_slug: Mapped[str] = mapped_column(String(64))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(16), default="staged")
    source: Mapped[str] = mapped_column(String(16))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # sha256 over every file's path and bytes: two revisions with the same files share it.
    content_hash: Mapped[str] = mapped_column(String(64))
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    warning_count: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])

    __table_args__ = (
        Index("ix_course_revisions_course_slug_status", "course_slug", "status"),
        # Two uploads of one course at the same moment: the second fails instead of leaving
        # two staged revisions.
        Index(
            "uq_course_revisions_one_staged",
            "course_slug",
            unique=True,
            sqlite_where=text("status = 'staged'"),
            postgresql_where=text("status = 'staged'"),
        ),
        CheckConstraint(
            "status IN ('staged', 'published', 'discarded')", name="status_known"
        ),
        CheckConstraint("source IN ('upload', 'editor', 'git')", name="source_known"),
        CheckConstraint("error_count >= 0 AND warning_count >= 0", name="counts_non_negative"),
        CheckConstraint(
            "(status = 'published') = (published_at IS NOT NULL)", name="published_has_time"
        ),
    )
