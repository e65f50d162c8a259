"""Login throttling, stored in the database so every worker and machine sees the same counts.

After too many failures for one account within the window, further tries are refused until the
oldest counted failure leaves the window. Refused tries are not recorded as failures, so an
attacker cannot keep a victim locked out forever; a success clears the account's count.

The check and the count are one atomic step: `retry_after` first locks the account's row in
`login_throttles`, and the lock holds until the transaction ends. The caller checks the password
and calls `note_attempt` in that same transaction and commits at once, so parallel tries for one
account are checked one after another and at most `per_account` wrong passwords in a window are
ever checked, with any number of workers and threads. (On SQLite the writer's BEGIN IMMEDIATE
serialises them already; PostgreSQL needs the row lock.)

The per-address limit slows a sprayer down without locking anyone out (there is no CAPTCHA to
fall back on): once an address is over it, only accounts that have failures of their own in the
window are refused, so each account gets one try per window from that address, and a right
password for an account with no recent failures always signs in. Behind a reverse proxy the
address is the client's only when PROXY_FIX_X_FOR says how many proxies to trust (README).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import ngettext
from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.models import LoginAttempt, LoginThrottle
from app.models.types import utcnow


@dataclass(frozen=True)
class ThrottleLimits:
    """How many failures are allowed per account and per address within the window."""

    per_account: int = 5
    per_address: int = 50
    window: timedelta = timedelta(minutes=15)


def lock_account(session: Session, username: str) -> None:
    """Lock the account's throttle row until the transaction ends, creating it on first use.

    An upsert that updates the row takes its row lock in the same statement that creates it:
    the first parallel tries of a new username cannot both see "no row" (a plain SELECT ...
    FOR UPDATE would lock nothing there), and a row deleted by the clean-up meanwhile is simply
    inserted again. A second transaction upserting the same username waits here until the
    first commits or rolls back, then reads the failures the first recorded.
    """
    now = utcnow()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(LoginThrottle).values(username=username, checked_at=now)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[LoginThrottle.username],
            set_={"checked_at": statement.excluded.checked_at},
        )
    )


def retry_after(
    session: Session, username: str, address: str, limits: ThrottleLimits
) -> timedelta | None:
    """How long until a sign-in for this account from this address may be tried (None: now).

    Locks the account first (see `lock_account`): call it before checking the password, record
    the outcome with `note_attempt` in the same transaction, and commit straight after.
    """
    lock_account(session, username)
    now = utcnow()
    since = now - limits.window
    last_success = session.scalar(
        select(func.max(LoginAttempt.created_at)).where(
            LoginAttempt.username == username, LoginAttempt.succeeded.is_(True)
        )
    )
    account_since = max(since, last_success) if last_success else since
    own = _recent_failures(
        session, LoginAttempt.username == username, account_since, limits.per_account
    )
    if len(own) >= limits.per_account:
        return _until(min(own) + limits.window, now)
    if not own or not address:
        # The per-address limit never stops an account with no recent failures of its own.
        return None
    from_address = _recent_failures(
        session, LoginAttempt.address == address, since, limits.per_address
    )
    if len(from_address) < limits.per_address:
        return None
    # Free again when the address drops below its limit or the account's own failures age out.
    return _until(min(min(from_address), max(own)) + limits.window, now)


def _recent_failures(session: Session, who: object, since: datetime, limit: int) -> list[datetime]:
    """The times of the latest `limit` failures of `who` after `since`, newest first."""
    return list(
        session.scalars(
            select(LoginAttempt.created_at)
            .where(who, LoginAttempt.succeeded.is_(False), LoginAttempt.created_at > since)
            .order_by(LoginAttempt.created_at.desc())
            .limit(limit)
        )
    )


def _until(moment: datetime, now: datetime) -> timedelta | None:
    wait = moment - now
    return wait if wait > timedelta(0) else None


# Attempts older than this matter to no window; they are deleted as new ones arrive, so the
# table stays small without a scheduled job (the audit log keeps the history).
KEEP_ATTEMPTS = timedelta(days=1)


def note_attempt(session: Session, username: str, address: str, succeeded: bool) -> None:
    """Record a sign-in try that was actually checked against a password."""
    cutoff = utcnow() - KEEP_ATTEMPTS
    session.execute(
        delete(LoginAttempt)
        .where(LoginAttempt.created_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    # Locks of usernames nobody has tried for a day go too. SKIP LOCKED leaves alone a row
    # that another sign-in has just locked: waiting for it could deadlock two clean-ups.
    unused = (
        select(LoginThrottle.username)
        .where(LoginThrottle.checked_at < cutoff)
        .with_for_update(skip_locked=True)
    )
    session.execute(
        delete(LoginThrottle)
        .where(LoginThrottle.username.in_(unused))
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
