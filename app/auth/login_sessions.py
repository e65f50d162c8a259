"""A person's signed-in sessions: recorded at sign-in, listed, and ended one by one or all.

Each browser that signs in gets a row; the login cookie only works while its row exists
(app.auth.sessions checks it on every request), so deleting a row signs that browser out.
Services take the session and never commit.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.orm import Session

from app.models import LoginSession, User
from app.models.types import utcnow

# How often a session's "last seen" is written: often enough to tell devices apart in the list,
# rarely enough that reading lessons does not turn every page view into a database write.
TOUCH_EVERY = timedelta(minutes=5)


def sid_hash(sid: str) -> str:
    """What is stored for a session id: its SHA-256, so the table holds no usable cookie."""
    return hashlib.sha256(sid.encode("utf-8")).hexdigest()


def record(session: Session, user: User, sid: str, address: str, user_agent: str) -> None:
    """Store a new signed-in session of `user` (the browser holds `sid` in its cookie)."""
    session.add(
        LoginSession(
            user_id=user.id,
            sid_hash=sid_hash(sid),
            address=address[:64],
            user_agent=user_agent[:200],
        )
    )


@dataclass(frozen=True)
class Lifetime:
    """How long a session lasts: unused (idle) and in all (absolute), from the settings."""

    idle: timedelta
    absolute: timedelta

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Lifetime:
        """SESSION_IDLE_MINUTES and SESSION_MAX_HOURS."""
        return cls(
            timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
            timedelta(hours=config["SESSION_MAX_HOURS"]),
        )

    def expired(self) -> ColumnElement[bool]:
        """Rows of sessions that can no longer be used (last seen is only written every
        TOUCH_EVERY, so a session counts as idle only that much later)."""
        now = utcnow()
        return or_(
            LoginSession.last_seen_at < now - self.idle - TOUCH_EVERY,
            LoginSession.created_at < now - self.absolute,
        )


def forget_expired(session: Session, lifetime: Lifetime) -> None:
    """Delete the rows of sessions nobody can use any more, so the table stays small."""
    session.execute(
        delete(LoginSession).where(lifetime.expired()).execution_options(synchronize_session=False)
    )


def end_one(session: Session, sid: str) -> None:
    """Delete the row of the session `sid` (the browser signed out or timed out)."""
    session.execute(
        delete(LoginSession)
        .where(LoginSession.sid_hash == sid_hash(sid))
        .execution_options(synchronize_session=False)
    )


def touch(session: Session, sid: str, address: str) -> None:
    """Note that the session `sid` was just used, from `address`."""
    session.execute(
        update(LoginSession)
        .where(LoginSession.sid_hash == sid_hash(sid))
        .values(last_seen_at=utcnow(), address=address[:64])
        .execution_options(synchronize_session=False)
    )


def end_all(session: Session, user: User) -> None:
    """Delete every session row of `user` (their cookies stop working at once)."""
    session.execute(
        delete(LoginSession)
        .where(LoginSession.user_id == user.id)
        .execution_options(synchronize_session=False)
    )


def end_others(session: Session, user: User, current_sid: str) -> int:
    """End every session of `user` but the current one; returns how many were ended."""
    result = session.execute(
        delete(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.sid_hash != sid_hash(current_sid))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


@dataclass(frozen=True)
class SessionRow:
    """One line of the "your sessions" list."""

    device: str
    address: str
    signed_in_at: datetime
    last_seen_at: datetime
    current: bool


def list_sessions(
    session: Session, user: User, current_sid: str | None, lifetime: Lifetime
) -> list[SessionRow]:
    """The user's live sessions, the current one first, then the most recently used."""
    current = sid_hash(current_sid) if current_sid else None
    rows = session.execute(
        select(
            LoginSession.sid_hash,
            LoginSession.user_agent,
            LoginSession.address,
            LoginSession.created_at,
            LoginSession.last_seen_at,
        )
        .where(LoginSession.user_id == user.id, ~lifetime.expired())
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
    ).all()
    listed = [
        SessionRow(device_hint(agent), address, created, seen, hashed == current)
        for hashed, agent, address, created, seen in rows
    ]
    return sorted(listed, key=lambda row: not row.current)


_BROWSERS = (
    ("MicroMessenger", "WeChat"),
    ("DingTalk", "DingTalk"),
    ("Edg", "Edge"),
    ("OPR", "Opera"),
    ("Firefox", "Firefox"),
    ("Chromium", "Chromium"),
    ("Chrome", "Chrome"),
    ("Safari", "Safari"),
)
_SYSTEMS = (
    ("HarmonyOS", "HarmonyOS"),
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def device_hint(user_agent: str) -> str:
    """A short name for the browser and system in a User-Agent, e.g. `Chrome, Windows`."""
    browser = next((name for key, name in _BROWSERS if re.search(rf"\b{key}\b", user_agent)), "")
    system = next((name for key, name in _SYSTEMS if key in user_agent), "")
    return ", ".join(part for part in (browser, system) if part) or user_agent[:40]
