"""Who may open the studio: trainers and administrators; everyone else gets a 404, as if the
studio did not exist, and visitors are sent to sign in."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from app.auth.sessions import login_manager
from app.db import db
from app.models import CourseRevision
from app.studio import editors, revisions

F = TypeVar("F", bound=Callable[..., Any])


def is_studio_user(user: object) -> bool:
    """Trainers and administrators work in the studio."""
    has_role = getattr(user, "has_role", None)
    return bool(has_role and (has_role("trainer") or has_role("admin")))


def studio_required(view: F) -> F:
    """Visitors are sent to sign in; people who are neither trainer nor admin get a 404."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not is_studio_user(current_user):
            abort(404)
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]


def editable_revision(token: str) -> CourseRevision:
    """The revision named `token` if the signed-in person may change its course; else a 404,
    whichever it is (a miss and a refusal look the same)."""
    found = revisions.revision_by_token(db.session, token)
    user = current_user._get_current_object()
    if found is None or not editors.can_edit(db.session, user, found.course_slug):
        abort(404)
    return found
