"""The unit tree: units with their materialised path (`/1/5/23/`), found by code."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Unit
from app.organisation.unit_courses import rebuild_unit_courses


def create_unit(session: Session, code: str, name: str, parent: Unit | None = None) -> Unit:
    """Add a unit under `parent`; its path is set once the database has given it an id."""
    unit = Unit(code=code, name=name, parent=parent, path="", depth=0)
    session.add(unit)
    session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    unit.depth = parent.depth + 1 if parent else 0
    session.flush()
    if parent is not None:
        rebuild_unit_courses(session, unit)  # inherit the parent's assignments
    return unit


def unit_by_code(session: Session, code: str) -> Unit | None:
    """The unit with this code, if any."""
    return session.scalar(select(Unit).where(Unit.code == code))
