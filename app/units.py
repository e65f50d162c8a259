"""Organisational units: creating them with their materialised path, subtree queries."""

from __future__ import annotations

from sqlalchemy import select
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
    if parent is not None:
        from app.assignments.services import rebuild_unit_courses

        rebuild_unit_courses(session, unit)  # inherit the parent's assignments
    return unit


def unit_by_code(session: Session, code: str) -> Unit | None:
    """The unit with this code, if any."""
    return session.scalar(select(Unit).where(Unit.code == code))


def scope_units(session: Session, user: object) -> list[Unit] | None:
    """The units whose subtrees `user` may manage: None means every unit (administrators).

    HR officers manage the subtree of each HR role's scope unit; anyone else manages nothing.
    """
    has_role = getattr(user, "has_role", None)
    if has_role is None:
        return []
    if has_role("admin"):
        return None
    ids = [
        r.scope_unit_id for r in getattr(user, "roles", []) if r.role == "hr" and r.scope_unit_id
    ]
    if not ids:
        return []
    return list(session.scalars(select(Unit).where(Unit.id.in_(ids))))


def within_scope(unit: Unit, scope: list[Unit] | None) -> bool:
    """Whether `unit` lies in one of the scope subtrees (None: everything)."""
    if scope is None:
        return True
    return any(unit.path.startswith(root.path) for root in scope)
