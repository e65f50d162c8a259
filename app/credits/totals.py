"""Reading the ledger: a learner's year (entries, total, target) and totals for reports.

Every credit-hour total shown anywhere is a sum of ledger entries; these are the queries that
sum them. `year_credits` is what /me/credits, the learner record and (later) the transcript
show: the year's entries, oldest first, with what each needs to be explained.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from app.models import CreditEntry, Unit, User
from app.organisation.tree import in_subtree


@dataclass(frozen=True)
class YearCredits:
    """One learner's credit hours in one year, against their target."""

    year: int
    entries: list[CreditEntry]
    target: float
    # Other years the learner has entries in (and the current one), newest first.
    years: list[int]

    @property
    def total(self) -> float:
        """The sum of the year's entries."""
        return round(sum(entry.hours for entry in self.entries), 2)

    @property
    def remaining(self) -> float:
        """Hours still to earn to reach the target (0 once reached)."""
        return max(0.0, round(self.target - self.total, 2))


def year_total(session: Session, user: User, year: int) -> float:
    """The sum of the learner's entries in `year`."""
    total = session.scalar(
        select(func.coalesce(func.sum(CreditEntry.hours), 0.0)).where(
            CreditEntry.user_id == user.id, CreditEntry.year == year
        )
    )
    return round(float(total or 0), 2)


def all_time_total(session: Session, user: User) -> float:
    """The sum of every entry of the learner."""
    total = session.scalar(
        select(func.coalesce(func.sum(CreditEntry.hours), 0.0)).where(
            CreditEntry.user_id == user.id
        )
    )
    return round(float(total or 0), 2)


def year_credits(
    session: Session, user: User, year: int, *, target: float, current_year: int
) -> YearCredits:
    """The learner's entries in `year` with their course, rule and author (two queries)."""
    entries = list(
        session.scalars(
            select(CreditEntry)
            .options(
                joinedload(CreditEntry.course),
                joinedload(CreditEntry.rule),
                joinedload(CreditEntry.created_by),
            )
            .where(CreditEntry.user_id == user.id, CreditEntry.year == year)
            .order_by(CreditEntry.awarded_at, CreditEntry.id)
        ).unique()  # a user's roles load with them (a joined collection)
    )
    years = set(
        session.scalars(
            select(CreditEntry.year).where(CreditEntry.user_id == user.id).distinct()
        )
    )
    years |= {current_year, year}
    return YearCredits(year, entries, target, sorted(years, reverse=True))


def hours_by_unit_path(
    root: Unit,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    course_id: int | None = None,
) -> Select:
    """A query: the active learners' ledger hours per unit path in `root`'s subtree, earned in
    [start, end) when given, only from `course_id` when given (adjustments then left out)."""
    query = (
        select(Unit.path, func.sum(CreditEntry.hours))
        .select_from(CreditEntry)
        .join(User, User.id == CreditEntry.user_id)
        .join(Unit, Unit.id == User.unit_id)
        .where(in_subtree(Unit.path, root.path), User.is_active.is_(True))
        .group_by(Unit.path)
    )
    if start is not None:
        query = query.where(CreditEntry.awarded_at >= start)
    if end is not None:
        query = query.where(CreditEntry.awarded_at < end)
    if course_id is not None:
        query = query.where(CreditEntry.course_id == course_id)
    return query
