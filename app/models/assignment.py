"""Required courses: assignments made by HR to a unit, and what they resolve to per unit.

`unit_courses` holds, for every unit, the courses assigned to it (directly or through an
ancestor whose assignment includes sub-units). Learner-course pairs for dashboards and reports
are then an equality join on the learner's unit, and a learner who moves unit has the new
unit's assignments at once. It is rebuilt whenever assignments or the unit tree change.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, UniqueConstraint
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
