"""What the units and users imports share when they write: the summary and the ORM's cache."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class ImportSummary:
    """How many rows an import created, updated and left unchanged."""

    created: int
    updated: int
    unchanged: int



def forget_cached(session: Session, *models: type) -> None:
    """Bulk statements bypass the ORM: make loaded objects of these models reload."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, models):
            session.expire(obj)
