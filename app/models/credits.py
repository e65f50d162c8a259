"""Credit hours (学时): the rules that compute them, and the ledger every total is summed from.

A `CreditRule` is one version of the rules taking effect from a calendar year; a later version
for the same year replaces it for completions from then on, and nothing is ever deleted, so an
award keeps pointing at the rule it was computed with. A `CreditEntry` is one award (or
deduction) in a learner's ledger; entries are written once and never changed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models.content import Course
from app.models.identity import User
from app.models.types import UTCDateTime, utcnow

CREDIT_METHODS = ("declared", "bands")
CREDIT_SOURCES = ("course_completion", "offline_training", "manual_adjustment")


class CreditRule(Base):
    """How a course's credit hours are computed from `year` on (until a later year's rule).

    `bands` (method `bands` only) is a list of {"from": minutes, "to": minutes or null,
    "hours": h}, covering 0 minutes to no end without gaps or overlaps (checked at load).
    """

    __tablename__ = "credit_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    # 1 for the first rule loaded for `year`, then one more for each replacement.
    version: Mapped[int] = mapped_column(Integer, default=1)
    method: Mapped[str] = mapped_column(String(16))
    bands: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    closing_test_bonus: Mapped[float] = mapped_column(Float, default=0)
    cap_per_course: Mapped[float | None] = mapped_column(Float)
    cap_per_year: Mapped[float | None] = mapped_column(Float)
    # The YAML as loaded, so anyone can see exactly what was in force.
    source_text: Mapped[str] = mapped_column(Text, default="")
    loaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    loaded_by: Mapped[User | None] = relationship()

    __table_args__ = (
        UniqueConstraint("year", "version"),
        CheckConstraint("method IN ('declared', 'bands')", name="method_known"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("closing_test_bonus >= 0", name="bonus_non_negative"),
        CheckConstraint("cap_per_course IS NULL OR cap_per_course >= 0", name="course_cap_range"),
        CheckConstraint("cap_per_year IS NULL OR cap_per_year >= 0", name="year_cap_range"),
    )


class CreditEntry(Base):
    """One line of a learner's credit-hour ledger.

    A course completion has its enrollment (unique: a course counts once per learner), the
    course version it was earned on and the rule applied (null: no rule was loaded, the
    course's declared hours). `explanation` is a list of structured parts rendered in the
    reader's language by app.credits.explain. A manual adjustment has a reason and its author.
    """

    __tablename__ = "credit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    hours: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(32))
    enrollment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), unique=True
    )
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"))
    course_version: Mapped[int | None] = mapped_column(Integer)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("credit_rules.id"))
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    reason: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    # When the hours were earned (a completion's completed_at), which decides `year`.
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course | None] = relationship()
    rule: Mapped[CreditRule | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    __table_args__ = (
        Index("ix_credit_entries_user_id_year", "user_id", "year"),
        Index("ix_credit_entries_awarded_at", "awarded_at"),
        CheckConstraint(
            "source IN ('course_completion', 'offline_training', 'manual_adjustment')",
            name="source_known",
        ),
        CheckConstraint(
            "(source = 'course_completion') = (enrollment_id IS NOT NULL)",
            name="completion_has_enrollment",
        ),
        CheckConstraint(
            "source = 'manual_adjustment' OR hours >= 0", name="only_adjustments_deduct"
        ),
        CheckConstraint(
            "source <> 'manual_adjustment' OR (reason IS NOT NULL AND hours <> 0)",
            name="adjustment_has_reason",
        ),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )
