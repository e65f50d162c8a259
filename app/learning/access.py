"""Who may see which course: published courses for everyone signed in, drafts for authors."""

from __future__ import annotations

from sqlalchemy import ColumnElement, true

from app.models import Course


def sees_drafts(user: object) -> bool:
    """Trainers and administrators see draft courses (to preview them); learners do not."""
    has_role = getattr(user, "has_role", None)
    return bool(has_role and (has_role("trainer") or has_role("admin")))


def visible_courses(user: object) -> ColumnElement[bool]:
    """A WHERE clause limiting courses to those `user` may open."""
    return true() if sees_drafts(user) else Course.status == "published"
