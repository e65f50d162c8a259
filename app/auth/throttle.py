"""Login throttling, stored in the database so every worker and machine sees the same counts.

After too many failures for one account within the window, further tries are refused until the
oldest counted failure leaves the window. Refused tries are not recorded as failures, so an
attacker cannot keep a victim locked out forever; a success clears the account's count.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import ngettext
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.models import LoginAttempt
from app.models.types import utcnow


@dataclass(frozen=True)
class ThrottleLimits:
    """How many failures are allowed per account and per address within the window."""

    per_account: int = 5
    per_address: int = 50
    window: timedelta = timedelta(minutes=15)


def retry_after(
    session: Session, username: str, address: str, limits: ThrottleLimits
) -> timedelta | None:
    """How long until a sign-in for this account from this address may be tried (None: now)."""
    now = utcnow()
    since = now - limits.window
    last_success = session.scalar(
        select(func.max(LoginAttempt.created_at)).where(
            LoginAttempt.username == username, LoginAttempt.succeeded.is_(True)
        )
    )
    account_since = max(since, last_success) if last_success else since
    waits = [
        _wait(session, LoginAttempt.username == username, account_since, limits.per_account),
        _wait(session, LoginAttempt.address == address, since, limits.per_address),
    ]
    waits = [w + limits.window - now for w in waits if w is not None]
    longest = max(waits, default=None)
    return longest if longest and longest > timedelta(0) else None


def _wait(session: Session, who: object, since: datetime, limit: int) -> datetime | None:
    """The time of the failure that has to age out of the window, if the limit is reached."""
    recent = session.scalars(
        select(LoginAttempt.created_at)
        .where(who, LoginAttempt.succeeded.is_(False), LoginAttempt.created_at > since)
        .order_by(LoginAttempt.created_at.desc())
        .limit(limit)
    ).all()
    if len(recent) < limit:
        return None
    return min(recent)


# Attempts older than this matter to no window; they are deleted as new ones arrive, so the
# table stays small without a scheduled job (the audit log keeps the history).
KEEP_ATTEMPTS = timedelta(days=1)


def note_attempt(session: Session, username: str, address: str, succeeded: bool) -> None:
    """Record a sign-in try that was actually checked against a password."""
    session.execute(
        delete(LoginAttempt)
        .where(LoginAttempt.created_at < utcnow() - KEEP_ATTEMPTS)
        .execution_options(synchronize_session=False)
    )
    session.add(LoginAttempt(username=username, address=address, succeeded=succeeded))


def wait_minutes(retry_after: timedelta) -> int:
    """The wait to tell a refused person: whole minutes, rounded up, at least one."""
    return max(1, math.ceil(retry_after.total_seconds() / 60))


def refusal_message(retry_after: timedelta, *, activation: bool = False) -> str:
    """What a person refused by the throttle reads: how long to wait, and who can help."""
    minutes = wait_minutes(retry_after)
    if activation:
        return ngettext(
            "Too many wrong attempts. Wait %(num)d minute and try again, "
            "or ask your training officer to help.",
            "Too many wrong attempts. Wait %(num)d minutes and try again, "
            "or ask your training officer to help.",
            minutes,
        )
    return ngettext(
        "Too many failed sign-in attempts. Wait %(num)d minute and try again, "
        "or ask your training officer to help.",
        "Too many failed sign-in attempts. Wait %(num)d minutes and try again, "
        "or ask your training officer to help.",
        minutes,
    )


def limits_from_config(config: Mapping[str, Any]) -> ThrottleLimits:
    """The throttle's limits from the app's settings (LOGIN_MAX_FAILURES and friends)."""
    return ThrottleLimits(
        per_account=config["LOGIN_MAX_FAILURES"],
        per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        window=timedelta(minutes=config["LOGIN_WINDOW_MINUTES"]),
    )
