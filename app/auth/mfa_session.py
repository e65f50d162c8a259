"""The browser's side of the second factor: the "password right, code pending" marker, the
"second factor shown in this session" marker, and the gate that keeps a person whose role
requires a second factor on the enrolment pages until they have one.

Between the password and the code the browser is NOT signed in (no login cookie): it holds
only a marker naming the user and their current session token, valid for five minutes. The
token binds it to the account's sessions, so an administrator's reset, a password change or
a deactivation in between makes it worthless.

A person whose role requires a second factor but who has none yet is signed in after the
password (it is the only factor they have) and may reach only the enrolment pages, sign-out,
the static files and the language and text-size switches until they have confirmed one.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from app.auth import second_factor
from app.auth.sessions import end_session
from app.db import db
from app.models import User

PENDING = "mfa_pending"
SHOWN = "mfa_shown"
PENDING_SECONDS = 300

# What a person held at enrolment may still open.
OPEN_DURING_ENROLMENT = frozenset(
    {
        "auth.security",
        "auth.start_enrolment",
        "auth.confirm_enrolment",
        "auth.logout",
        "main.set_language",
        "main.toggle_text_size",
        "static",
    }
)


def await_second_factor(user: User, next_path: str | None) -> None:
    """Remember, in a fresh session, that `user` gave the right password (not a sign-in)."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    session[PENDING] = {
        "user": user.id,
        "token": user.session_token,
        "at": int(time.time()),
        "next": next_path or "",
    }


def _marker() -> dict[str, Any] | None:
    marker = session.get(PENDING)
    if not isinstance(marker, dict):
        return None
    if int(time.time()) - int(marker.get("at", 0)) > PENDING_SECONDS:
        return None
    return marker


def pending_user(db_session: Session) -> User | None:
    """The user whose password was right a moment ago in this browser, if still valid."""
    marker = _marker()
    if marker is None or not isinstance(marker.get("user"), int):
        return None
    user = db_session.get(User, marker["user"])
    if user is None or not user.is_active:
        return None
    if not secrets.compare_digest(user.session_token, str(marker.get("token", ""))):
        return None
    return user


def pending_next() -> str | None:
    """Where the person wanted to go when they signed in (already checked to be on this site)."""
    marker = _marker()
    return (marker or {}).get("next") or None


def forget_pending() -> None:
    """Drop the marker (an expired or cancelled two-step sign-in)."""
    session.pop(PENDING, None)


def mark_shown() -> None:
    """This session's sign-in included a second factor (or set one up)."""
    session[SHOWN] = True


def gate() -> Response | None:
    """Before each request: hold a person whose role requires a second factor, and who has
    not shown one in this session, at the enrolment page."""
    if request.endpoint in OPEN_DURING_ENROLMENT or session.get(SHOWN):
        return None
    if not second_factor.required_roles(current_app.config):
        return None
    if not current_user.is_authenticated:
        return None
    user = current_user._get_current_object()
    if not second_factor.is_required(user, current_app.config):
        return None
    if second_factor.is_enrolled(db.session, user):
        # Set up in another browser since this session began: this one never showed it.
        end_session()
        flash(_("Please sign in again with your password and a code from your app."), "info")
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.security"))
