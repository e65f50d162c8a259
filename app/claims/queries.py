"""Reading claims: a learner's own, and those of a unit's subtree for HR, filtered and paginated.

The HR list is two queries whatever the number of claims (a count and one page, each claim
with its learner and the learner's unit joined in), plus one for the sub-unit choices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from app.models import TrainingClaim, Unit, User
from app.organisation.tree import in_subtree
from app.web.pagination import Page, page_window

CLAIMS_PER_PAGE = 50
# What the status filter offers; "all" shows every status.
STATUS_FILTERS = ("pending", "approved", "rejected", "all")
NEWEST_FIRST = (TrainingClaim.created_at.desc(), TrainingClaim.id.desc())


@dataclass(frozen=True)
class ClaimFilters:
    """The HR list's filters: status, a sub-unit's subtree, words in the learner's name or
    username, and the day the training ended (from, until; both included)."""

    status: str = "pending"
    sub_unit: Unit | None = None
    search: str = ""
    ended_from: date | None = None
    ended_until: date | None = None
    words: list[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "words", [w.lower() for w in self.search.split()][:5])

    def as_args(self) -> dict[str, str]:
        """The filters as query-string arguments (for pager links), empty ones left out."""
        args = {
            "status": self.status,
            "unit": self.sub_unit.code if self.sub_unit else "",
            "q": self.search,
            "from": self.ended_from.isoformat() if self.ended_from else "",
            "to": self.ended_until.isoformat() if self.ended_until else "",
        }
        return {key: value for key, value in args.items() if value}


def claim_in_subtree(root: Unit, claim_id: int) -> Select:
    """A query: the claim `claim_id` if its learner's unit lies in `root`'s subtree."""
    return (
        select(TrainingClaim)
        .join(User, User.id == TrainingClaim.user_id)
        .join(Unit, Unit.id == User.unit_id)
        .where(TrainingClaim.id == claim_id, in_subtree(Unit.path, root.path))
    )


def find_claim(session: Session, root: Unit, claim_id: int) -> TrainingClaim | None:
    """The claim for the HR pages of `root`, with its learner and their unit; None outside."""
    return session.scalar(
        claim_in_subtree(root, claim_id).options(
            contains_eager(TrainingClaim.user).contains_eager(User.unit)
        )
    )


def own_claim(session: Session, learner: User, claim_id: int) -> TrainingClaim | None:
    """The claim `claim_id` if `learner` made it (None for anyone else's, as if unknown)."""
    return session.scalar(
        select(TrainingClaim).where(
            TrainingClaim.id == claim_id, TrainingClaim.user_id == learner.id
        )
    )


def learner_claims(session: Session, learner: User) -> list[TrainingClaim]:
    """Every claim of the learner, newest first, with who decided it (one query)."""
    return list(
        session.scalars(
            select(TrainingClaim)
            .options(joinedload(TrainingClaim.decided_by))
            .where(TrainingClaim.user_id == learner.id)
            .order_by(*NEWEST_FIRST)
        ).unique()  # a user's roles load with them (a joined collection)
    )


def _filtered(root: Unit, filters: ClaimFilters) -> Select:
    query = (
        select(TrainingClaim)
        .join(User, User.id == TrainingClaim.user_id)
        .join(Unit, Unit.id == User.unit_id)
        .where(in_subtree(Unit.path, (filters.sub_unit or root).path))
    )
    if filters.status != "all":
        query = query.where(TrainingClaim.status == filters.status)
    for word in filters.words:
        query = query.where(
            or_(
                User.username.contains(word, autoescape=True),
                func.lower(User.full_name).contains(word, autoescape=True),
            )
        )
    if filters.ended_from is not None:
        query = query.where(TrainingClaim.ended_on >= filters.ended_from)
    if filters.ended_until is not None:
        query = query.where(TrainingClaim.ended_on <= filters.ended_until)
    return query


def unit_claims(
    session: Session, root: Unit, filters: ClaimFilters, page: int
) -> Page[TrainingClaim]:
    """One page of the claims of learners in `root`'s subtree matching `filters`, newest
    first, each with its learner and their unit loaded (two queries)."""
    query = _filtered(root, filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    window = page_window(total, page, CLAIMS_PER_PAGE)
    rows = session.scalars(
        query.options(contains_eager(TrainingClaim.user).contains_eager(User.unit))
        .order_by(*NEWEST_FIRST)
        .offset(window.offset)
        .limit(window.limit)
    ).unique()
    return window.with_items(rows)


def sub_units(session: Session, unit: Unit) -> list[Unit]:
    """The units just below `unit`, by name: the sub-unit filter's choices."""
    return list(session.scalars(select(Unit).where(Unit.parent_id == unit.id).order_by(Unit.name)))


def unit_below(session: Session, root: Unit, code: str) -> Unit | None:
    """The unit `code` if it lies in `root`'s subtree."""
    return session.scalar(select(Unit).where(Unit.code == code, in_subtree(Unit.path, root.path)))
