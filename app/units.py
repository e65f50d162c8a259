"""Organisational units: creating them with their materialised path, subtree queries."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.models import Unit


def create_unit(session: Session, code: str, name: str, parent: Unit | None = None) -> Unit:
    """Add a unit under `parent`; its path is set once the database has given it an id."""
    unit = Unit(code=code, name=name, parent=parent, path="", depth=0)
    session.add(unit)
    session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    unit.depth = parent.depth + 1 if parent else 0
    session.flush()
    return unit


def subtree_units(unit: Unit) -> Select[tuple[Unit]]:
    """A query for `unit` and every unit below it (one indexed prefix scan)."""
    return select(Unit).where(Unit.path.startswith(unit.path, autoescape=True))


def unit_by_code(session: Session, code: str) -> Unit | None:
    """The unit with this code, if any."""
    return session.scalar(select(Unit).where(Unit.code == code))
