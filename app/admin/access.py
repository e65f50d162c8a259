"""Who may open the administration pages: administrators, and nobody else may learn they exist."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from app.auth.sessions import login_manager

F = TypeVar("F", bound=Callable[..., Any])


def admin_required(view: F) -> F:
    """Visitors are sent to sign in; signed-in people without the admin role get a 404."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.has_role("admin"):
            abort(404)
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]
