"""What the administration pages read and change. Services take the session first, never commit."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from app import audit
from app.auth import codes
from app.auth.services import AccountError, end_all_sessions, set_active, set_roles
from app.credits.categories import set_category
from app.models import Unit, User
from app.organisation.tree import unit_by_code
from app.web.pagination import Page, page_window

USERS_PER_PAGE = 50
UNITS_PER_PAGE = 500


def search_users(session: Session, query: str = "", page: int = 1) -> Page[User]:
    """Users whose username or full name contains every word of `query`, 50 a page."""
    where = []
    for word in query.split()[:5]:
        word = word.lower()
        where.append(
            or_(
                User.username.contains(word, autoescape=True),
                func.lower(User.full_name).contains(word, autoescape=True),
            )
        )
    total = session.scalar(select(func.count(User.id)).where(*where)) or 0
    window = page_window(total, page, USERS_PER_PAGE)
    users = (
        session.scalars(
            select(User)
            .options(joinedload(User.unit))
            .where(*where)
            .order_by(User.username)
            .limit(window.limit)
            .offset(window.offset)
        )
        .unique()
        .all()
    )
    return window.with_items(users)


def update_user(
    session: Session,
    user: User,
    *,
    roles: set[str],
    unit_code: str,
    active: bool,
    actor: User,
    category: str | None = None,
) -> None:
    """Change a user's unit, roles, category and active flag, each change audit-logged.

    Raises AccountError for an unknown unit, or when administrators would lock themselves out.
    Deactivating ends every session of the user at once.
    """
    if user.id == actor.id and (not active or "admin" not in roles):
        raise AccountError(
            _("You cannot deactivate yourself or remove your own administrator role.")
        )
    unit = unit_by_code(session, unit_code) if unit_code else None
    if unit_code and unit is None:
        raise AccountError(_("No unit has the code %(code)s.", code=unit_code))
    if unit != user.unit:
        audit.record(
            session,
            "user_unit_changed",
            actor_id=actor.id,
            subject=user.username,
            before=user.unit.code if user.unit else None,
            after=unit.code if unit else None,
        )
        user.unit = unit
    try:
        set_category(session, user, category, config=current_app.config, actor_id=actor.id)
    except ValueError as error:
        raise AccountError(str(error)) from None
    set_roles(session, user, roles, actor_id=actor.id)
    if active != user.is_active:
        set_active(session, user, active, actor_id=actor.id)
    session.flush()


def reset_activation_code(session: Session, user: User, *, actor: User) -> tuple[str, datetime]:
    """Give an active user a new activation code (their old one stops working); return it.

    With it they choose a new password at /activate, so this also serves as a password reset.
    """
    if not user.is_active:
        raise AccountError(_("The account is deactivated: activate it first."))
    return codes.issue_code(session, user, actor_id=actor.id)


def end_sessions(session: Session, user: User, *, actor: User) -> None:
    """Sign `user` out on every device without deactivating the account (audit-logged)."""
    end_all_sessions(user)
    audit.record(session, "sessions_ended_by_admin", actor_id=actor.id, subject=user.username)


def unit_tree(session: Session, page: int = 1) -> Page[tuple[Unit, int]]:
    """Units in tree order (each after its parent), with their number of users, 500 a page.

    Sorting by the materialised path keeps every subtree together; the user counts of the
    page come from one aggregate query.
    """
    total = session.scalar(select(func.count(Unit.id))) or 0
    window = page_window(total, page, UNITS_PER_PAGE)
    units = session.scalars(
        select(Unit).order_by(Unit.path).limit(window.limit).offset(window.offset)
    ).all()
    counts = dict(
        session.execute(
            select(User.unit_id, func.count(User.id))
            .where(User.unit_id.in_([unit.id for unit in units]))
            .group_by(User.unit_id)
        ).all()
    )
    return window.with_items((unit, counts.get(unit.id, 0)) for unit in units)
