"""Counters for reports over whole months: completions and credit hours per unit and month.

Kept by database triggers (migration 0019) beside the all-time counters of
`app.models.assignment` (`UnitCourseCount`, `UnitCount`), in the transaction of every change of
an enrollment, a ledger entry or a learner's unit or activity. A month is the academy's local
month at the fixed offset from UTC stored in `ReportSettings`, written `YYYYMM` as an integer.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class ReportSettings(Base):
    """One row: the offset from UTC, in minutes, at which the triggers put a time in a month."""

    __tablename__ = "report_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    month_offset_minutes: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint("id = 1", name="one_row"),
        CheckConstraint("month_offset_minutes BETWEEN -840 AND 840", name="offset_range"),
    )


class UnitCourseMonth(Base):
    """One unit's completions of one course in one month (their best scores' sum and count)
    and the credit hours its learners earned from the course that month."""

    __tablename__ = "unit_course_months"

    unit_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    score_sum: Mapped[float] = mapped_column(Float, default=0)
    scored: Mapped[int] = mapped_column(Integer, default=0)
    hours: Mapped[float] = mapped_column(Float, default=0)


class UnitMonth(Base):
    """Every credit hour one unit's learners earned in one month (courses, offline training
    and adjustments)."""

    __tablename__ = "unit_months"

    unit_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    hours: Mapped[float] = mapped_column(Float, default=0)
