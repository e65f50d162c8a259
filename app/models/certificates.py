"""Certificates: what a learner can show someone else, checked at /verify/<code>.

A certificate is issued for a completed course (one per enrollment) or for a learning record
(学习档案) of a year as it stood when downloaded. What it certifies is copied into the row when
it is issued (name, unit, course, hours), so a later rename, move or re-sync changes nothing
that was certified. The code is random (at least 80 bits) and the only way to find a row from
outside; an administrator may revoke a certificate with a reason, never delete it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models.identity import User
from app.models.types import UTCDateTime, utcnow

CERTIFICATE_KINDS = ("course", "transcript")


class Certificate(Base):
    """One issued certificate (a course completion, or a year's learning record)."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="course")
    # Indexed by ix_certificates_user_id_kind_year, which leads with it.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    enrollment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrollments.id", ondelete="SET NULL"), unique=True
    )
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"))
    # A transcript's year and the number of ledger entries it listed.
    year: Mapped[int | None] = mapped_column(Integer)
    entry_count: Mapped[int | None] = mapped_column(Integer)
    # What was certified, as it was at issue.
    learner_name: Mapped[str] = mapped_column(String(200))
    unit_name: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(300))
    hours: Mapped[float] = mapped_column(Float)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(500))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    __table_args__ = (
        Index("ix_certificates_user_id_kind_year", "user_id", "kind", "year"),
        CheckConstraint("kind IN ('course', 'transcript')", name="kind_known"),
        CheckConstraint(
            "kind = 'course' OR enrollment_id IS NULL", name="only_courses_have_enrollment"
        ),
        CheckConstraint("(kind = 'transcript') = (year IS NOT NULL)", name="transcript_has_year"),
        CheckConstraint("hours >= 0", name="hours_non_negative"),
        CheckConstraint(
            "(revoked_at IS NULL) = (revoked_reason IS NULL)", name="revocation_has_reason"
        ),
        CheckConstraint("length(code) >= 16", name="code_long_enough"),
    )
