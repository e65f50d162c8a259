"""Required courses: assignments made by HR to a unit, and what they resolve to per unit.

`unit_courses` holds, for every unit, the courses assigned to it (directly or through an
ancestor whose assignment includes sub-units). Learner-course pairs for dashboards and reports
are then an equality join on the learner's unit, and a learner who moves unit has the new
unit's assignments at once. It is rebuilt whenever assignments or the unit tree change.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models.content import Course
from app.models.identity import Unit
from app.models.types import UTCDateTime, utcnow


class Assignment(Base):
    """A course assigned to a unit (and its sub-units unless switched off) with a due date."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    include_subunits: Mapped[bool] = mapped_column(Boolean, default=True)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    due_date: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()
    course: Mapped[Course] = relationship()

    __table_args__ = (UniqueConstraint("unit_id", "course_id"),)


class UnitCourse(Base):
    """A course that applies to a unit, from the nearest assignment that reaches it."""

    __tablename__ = "unit_courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    due_date: Mapped[date | None] = mapped_column(Date)
    # Depth of the assigning unit: the deepest (most specific) assignment wins.
    source_depth: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        UniqueConstraint("unit_id", "course_id"),
        Index("ix_unit_courses_course_id_unit_id", "course_id", "unit_id"),
    )


class UnitCourseCount(Base):
    """Counters for the unit report: one learners' unit and one course.

    Over the enrollments of the unit's active learners (whether the course is assigned or not;
    the report keeps the assigned pairs): how many are in progress, completed, and the sum and
    count of the completed ones' best scores; and the credit hours those learners earned from
    the course (ledger entries with this course). Database triggers keep them in step with
    every change of an enrollment, a ledger entry or a learner's unit or activity, in the same
    transaction (migration 0018); `flask reports verify` recomputes and compares them.
    """

    __tablename__ = "unit_course_counts"

    unit_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    in_progress: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    score_sum: Mapped[float] = mapped_column(Float, default=0)
    scored: Mapped[int] = mapped_column(Integer, default=0)
    hours: Mapped[float] = mapped_column(Float, default=0)


class UnitCount(Base):
    """Counters for the unit report, per unit: its active learners and every credit hour they
    earned (all ledger entries: courses, offline training, adjustments). Kept by the same
    triggers as `UnitCourseCount`."""

    __tablename__ = "unit_counts"

    unit_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    learners: Mapped[int] = mapped_column(Integer, default=0)
    hours: Mapped[float] = mapped_column(Float, default=0)
