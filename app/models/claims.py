"""Offline training claims: training done outside the academy, put to HR for credit hours.

A claim is written once by the learner and decided once by HR of the learner's unit (or a unit
above it): approved, possibly with fewer hours than claimed, or rejected with a reason. An
approval writes one ledger entry, linked here; nothing about a decided claim changes again.
The evidence file lives under EVIDENCE_DIR under a random name; the row keeps its checked type,
size and SHA-256 so the file can be shown to be the one the decision was made on.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models.credits import CreditEntry
from app.models.identity import User
from app.models.types import UTCDateTime, utcnow

CLAIM_STATUSES = ("pending", "approved", "rejected")
EVIDENCE_TYPES = ("pdf", "png", "jpeg")


class TrainingClaim(Base):
    """One learner's claim for credit hours from training elsewhere, and HR's decision."""

    __tablename__ = "training_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    organiser: Mapped[str] = mapped_column(String(200))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date] = mapped_column(Date)
    hours_claimed: Mapped[float] = mapped_column(Float)
    # The evidence: the name the learner's file had, the random name it is stored under (in
    # EVIDENCE_DIR), and what its content was found to be.
    evidence_name: Mapped[str] = mapped_column(String(255))
    evidence_file: Mapped[str] = mapped_column(String(64), unique=True)
    evidence_type: Mapped[str] = mapped_column(String(8))
    evidence_size: Mapped[int] = mapped_column(Integer)
    evidence_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    hours_approved: Mapped[float | None] = mapped_column(Float)
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    credit_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("credit_entries.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    credit_entry: Mapped[CreditEntry | None] = relationship()

    __table_args__ = (
        Index("ix_training_claims_status_created_at", "status", "created_at"),
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status_known"),
        CheckConstraint("evidence_type IN ('pdf', 'png', 'jpeg')", name="evidence_type_known"),
        CheckConstraint("ended_on >= started_on", name="dates_in_order"),
        CheckConstraint("hours_claimed > 0", name="hours_claimed_positive"),
        CheckConstraint("evidence_size > 0", name="evidence_not_empty"),
        CheckConstraint(
            "(status = 'approved') = (hours_approved IS NOT NULL)", name="approved_has_hours"
        ),
        CheckConstraint(
            "hours_approved IS NULL OR (hours_approved > 0 AND hours_approved <= hours_claimed)",
            name="approved_hours_range",
        ),
        CheckConstraint(
            "status <> 'rejected' OR decision_reason IS NOT NULL", name="rejection_has_reason"
        ),
        CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)", name="decided_has_date"
        ),
    )
