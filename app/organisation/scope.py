"""Whose people a user may see: HR officers their scope units' subtrees, administrators all."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Unit


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


def managed_scope_or_404(session: Session) -> list[Unit] | None:
    """The signed-in user's scope for a staff page; 404 for anyone who manages no unit, so the
    page's existence is not revealed to them."""
    scope = scope_units(session, current_user._get_current_object())
    if scope == []:
        abort(404)
    return scope
