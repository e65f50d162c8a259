"""Cadre categories (厅局级, 县处级...) and the yearly credit-hour target each has.

The list and the targets are the CREDIT_CATEGORIES setting (config.py); a user without a
category, or with one no longer configured, has ANNUAL_CREDIT_HOURS_TARGET. Every way a
category is set (CSV import, the admin user page, the CLI) checks it with `category_problem`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app import audit
from app.models import User


def categories(config: Mapping[str, Any]) -> dict[str, float]:
    """The configured categories with their yearly targets, in the configured order."""
    return dict(config.get("CREDIT_CATEGORIES") or {})


def target_for(config: Mapping[str, Any], category: str | None) -> float:
    """The yearly target of a learner of `category`."""
    default = float(config["ANNUAL_CREDIT_HOURS_TARGET"])
    return float(categories(config).get(category or "", default))


def category_choices(config: Mapping[str, Any], current: str | None) -> list[tuple[str, str]]:
    """Choices for a category field: none, each configured category, and `current` if it is no
    longer configured (so saving the form does not silently drop it)."""
    names = list(categories(config))
    if current and current not in names:
        names.append(current)
    return [("", _("None (the default target)")), *((name, name) for name in names)]


def category_problem(config: Mapping[str, Any], category: str) -> str | None:
    """Why `category` cannot be given to a user (None when it can)."""
    known = categories(config)
    if category in known:
        return None
    return _(
        "Unknown category %(category)s: use one of %(known)s.",
        category=category,
        known=", ".join(known) or "—",
    )


def set_category(
    session: Session,
    user: User,
    category: str | None,
    *,
    config: Mapping[str, Any],
    actor_id: int | None,
) -> bool:
    """Give `user` a category (None: none); audit-logged; False when nothing changed.
    Raises ValueError with a translated message for an unknown category."""
    category = category or None
    if category == user.category:
        return False  # a category no longer configured may stay, but none can be given anew
    if category is not None and (problem := category_problem(config, category)):
        raise ValueError(problem)
    audit.record(
        session,
        "user_category_changed",
        actor_id=actor_id,
        subject=user.username,
        before=user.category,
        after=category,
    )
    user.category = category
    session.flush()
    return True
