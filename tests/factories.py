"""Factories that build valid objects and flush (the caller decides when to commit)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.auth import services as accounts
from app.models import Unit, User
from app.organisation.operations import create_unit

PASSWORD = "correct horse battery"


def unit(
    session: Session, code: str = "U1", name: str | None = None, parent: Unit | None = None
) -> Unit:
    """A unit under `parent` (or a root)."""
    return create_unit(session, code, name or f"Unit {code}", parent)


def user(
    session: Session,
    username: str = "ann",
    *,
    password: str | None = PASSWORD,
    roles: set[str] | None = None,
    unit: Unit | None = None,
    full_name: str | None = None,
) -> User:
    """A user with a password (the shared test one by default) and roles (learner by default)."""
    return accounts.create_user(
        session,
        username,
        full_name=full_name or username.title(),
        password=password,
        roles=roles or {"learner"},
        unit=unit,
    )
