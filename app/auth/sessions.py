"""Login sessions: Flask-Login wiring, rotation at login, idle and absolute timeouts.

The login cookie names the user *and* their current session token. Replacing the token
(logout, password change, deactivation) makes every older cookie of that user worthless,
wherever it is replayed from.
"""

from __future__ import annotations

import secrets
import time

from flask import Flask, current_app, flash, request, session
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin, LoginManager, login_user, logout_user
from sqlalchemy import bindparam, select

from app.audit import client_address
from app.auth import login_sessions
from app.db import db
from app.models import LoginSession, User

login_manager = LoginManager()
TOUCH_SECONDS = login_sessions.TOUCH_EVERY.total_seconds()


class Anonymous(AnonymousUserMixin):
    """A visitor who has not signed in: holds no roles."""

    role_names: frozenset[str] = frozenset()

    def has_role(self, name: str) -> bool:
        """Visitors hold no role."""
        return False


# Every signed-in request runs this: built once, because building a statement (and its cache
# key) costs more than SQLite takes to answer it.
_SIGNED_IN_USER = (
    select(User)
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(User.id == bindparam("user_id"), LoginSession.sid_hash == bindparam("sid_hash"))
)


@login_manager.user_loader
def load_user(value: str) -> User | None:
    """Resolve a login cookie; a stale token, an ended session or a disabled account signs
    nobody in. One query: the user, their roles and this browser's session row."""
    user_id, _sep, token = value.partition(":")
    sid = session.get("sid")
    if not user_id.isdigit() or not token or not isinstance(sid, str):
        return None
    # unique(): the roles are joined in, one row per role, and all of them must be read.
    params = {"user_id": int(user_id), "sid_hash": login_sessions.sid_hash(sid)}
    user = db.session.execute(_SIGNED_IN_USER, params).unique().scalar_one_or_none()
    if user is None or not user.is_active:
        return None
    if not secrets.compare_digest(user.session_token, token):
        return None
    return user


def start_session(user: User) -> None:
    """Sign `user` in on a brand-new session (nothing from before the login is kept)."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    login_user(user, remember=False)
    now = int(time.time())
    sid = secrets.token_urlsafe(24)
    session["sid"] = sid
    session["login_at"] = now
    session["seen_at"] = now
    session["touched_at"] = now
    session.permanent = False
    login_sessions.forget_expired(
        db.session, login_sessions.Lifetime.from_config(current_app.config)
    )
    login_sessions.record(
        db.session, user, sid, client_address(), request.headers.get("User-Agent", "")
    )


def end_session() -> None:
    """Forget the current session in this browser."""
    language = session.get("lang")
    sid = session.get("sid")
    if isinstance(sid, str):
        login_sessions.end_one(db.use_writer(), sid)
    logout_user()
    session.clear()
    if language:
        session["lang"] = language


def enforce_lifetime() -> None:
    """End a session that has been idle too long or has outlived its absolute lifetime."""
    if "_user_id" not in session:
        return
    now = int(time.time())
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    lifetime = current_app.config["SESSION_MAX_HOURS"] * 3600
    login_at = session.get("login_at", 0)
    seen_at = session.get("seen_at", 0)
    if now - login_at > lifetime or now - seen_at > idle:
        end_session()
        flash(_("Your session has ended. Please sign in again."), "info")
        return
    if now - seen_at >= 30:
        session["seen_at"] = now  # rewriting the cookie on every request would be wasteful
    sid = session.get("sid")
    if isinstance(sid, str) and now - session.get("touched_at", 0) >= TOUCH_SECONDS:
        # Nothing has been read yet, so turning this request into a writer costs nothing.
        session["touched_at"] = now
        login_sessions.touch(db.use_writer(), sid, client_address())


def init_app(app: Flask) -> None:
    """Wire Flask-Login and the session lifetime checks into the app."""
    login_manager.init_app(app)
    login_manager.anonymous_user = Anonymous
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = None  # the session token does this job, across IPs
    app.before_request(enforce_lifetime)
