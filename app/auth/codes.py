"""One-time activation codes: how imported users choose their first password.

A code is 10 random characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown
grouped as `ABCD-EFGH-JK`. It is stored as an HMAC-SHA256 keyed with the app's SECRET_KEY, not
with argon2: the code is high-entropy, expires, and wrong guesses are throttled like sign-ins,
so a slow hash would only make importing a thousand people take minutes instead of a second.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.auth import throttle
from app.auth.identity_text import normalise_username
from app.auth.passwords import hash_password, password_problems
from app.auth.services import end_all_sessions
from app.models import User
from app.models.types import utcnow

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def new_code() -> str:
    """A fresh random code, grouped for reading aloud: `ABCD-EFGH-JK`."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(code: str) -> str:
    """What the person typed, without dashes and spaces and in capitals."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_code(code: str, secret_key: str | None = None) -> str:
    """The keyed hash stored for a code (hex, 64 characters)."""
    key = (secret_key or current_app.config["SECRET_KEY"]).encode()
    message = b"activation-code:" + normalise_code(code).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def code_lifetime() -> timedelta:
    """How long a new code works (setting ACTIVATION_CODE_DAYS, default 14 days)."""
    return timedelta(days=current_app.config.get("ACTIVATION_CODE_DAYS", 14))


def issue_code(session: Session, user: User, *, actor_id: int | None) -> tuple[str, datetime]:
    """Give `user` a new activation code (replacing any older one); return it and its expiry.

    The plain code is returned once, for the administrator to hand over; only its hash is kept.
    """
    code = new_code()
    expires_at = utcnow() + code_lifetime()
    user.activation_code_hash = hash_code(code)
    user.activation_expires_at = expires_at
    audit.record(session, "activation_code_issued", actor_id=actor_id, subject=user.username)
    return code, expires_at


@dataclass(frozen=True)
class ActivationResult:
    """The outcome of an activation try: a signed-in-ready user, or why not."""

    user: User | None = None
    retry_after: timedelta | None = None
    expired: bool = False
    password_problems: list[str] = field(default_factory=list)


def activate(
    session: Session,
    username: str,
    code: str,
    password: str,
    address: str,
    limits: throttle.ThrottleLimits,
) -> ActivationResult:
    """Check a username and activation code and, if right, set the first password.

    Wrong codes count as failed sign-ins for that username (the same throttle). A right code
    with an unacceptable password is not used up, so the person can try another password.
    """
    username = normalise_username(username)[:64]
    wait = throttle.retry_after(session, username, address, limits)
    if wait is not None:
        audit.record(session, "activation_throttled", subject=username)
        return ActivationResult(retry_after=wait)

    user = session.scalar(select(User).where(User.username == username))
    stored = user.activation_code_hash if user is not None and user.is_active else None
    # Compare against a dummy when there is nothing to compare, so timing reveals nothing.
    matches = hmac.compare_digest(hash_code(code), stored or "0" * 64) and stored is not None
    if not matches or user is None:
        throttle.note_attempt(session, username, address, succeeded=False)
        audit.record(session, "activation_failed", subject=username)
        return ActivationResult()
    expires_at = user.activation_expires_at
    if expires_at is None or expires_at <= utcnow():
        throttle.note_attempt(session, username, address, succeeded=False)
        audit.record(session, "activation_failed", subject=username, reason="expired")
        return ActivationResult(expired=True)
    problems = password_problems(password, username, user.full_name)
    if problems:
        return ActivationResult(password_problems=problems)

    throttle.note_attempt(session, username, address, succeeded=True)
    user.password_hash = hash_password(password)
    user.must_change_password = False
    user.activation_code_hash = None
    user.activation_expires_at = None
    user.last_login_at = utcnow()
    end_all_sessions(user)
    audit.record(session, "account_activated", actor_id=user.id, subject=username)
    return ActivationResult(user=user)


def wrong_code_message() -> str:
    """The one message for an unknown user, a wrong code or a used code (reveals nothing)."""
    return _(
        "The username or activation code is not right. Check them, or ask your training "
        "officer for a new code."
    )
