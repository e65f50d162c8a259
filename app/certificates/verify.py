"""The public check of a certificate at /verify/<code>: what it shows, and the throttle.

Anyone may check a code, signed in or not, so the page shows only what the certificate
certifies, with the learner's name masked after its first character, and nothing that leads
further (no username, no links to other data).

Codes cannot be guessed (100 bits), and guessing is slowed down anyway: every code that finds
nothing is an audit event (`certificate_code_unknown`, with the address), and an address with
VERIFY_MAX_MISSES of them within VERIFY_WINDOW_MINUTES is refused, for every code, until the
oldest of them leaves the window. Refused requests are not counted, so the wait never grows;
the events of one address are thereby capped at the limit per window, as refusals are
(app.errors.denials), and the audit log shows who has been probing. A malformed code takes the
same path as an unknown one (the same query, the same event, the same 404 page), so neither
the page nor its timing says which it was. Parallel misses from one address may each pass the
check before the others are written (PostgreSQL does not serialise them), which lets a few
more guesses through in a burst: harmless against 100 bits.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, url_for
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.certificates.codes import MAX_TYPED, normalise
from app.models import AuditEvent, Certificate
from app.models.types import utcnow

MISS_ACTION = "certificate_code_unknown"


@dataclass(frozen=True)
class VerifyLimits:
    """How many unknown codes one address may try within the window."""

    misses: int = 10
    window: timedelta = timedelta(minutes=10)


def limits_from_config(config: Mapping[str, Any]) -> VerifyLimits:
    """The limits from the app's settings (VERIFY_MAX_MISSES, VERIFY_WINDOW_MINUTES)."""
    return VerifyLimits(
        misses=config["VERIFY_MAX_MISSES"],
        window=timedelta(minutes=config["VERIFY_WINDOW_MINUTES"]),
    )


def verify_url(code: str) -> str:
    """The absolute address of a certificate's public check: PUBLIC_BASE_URL when set, else
    the scheme and host of the current request."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if base:
        return base + url_for("certificates.verify", code=code)
    return url_for("certificates.verify", code=code, _external=True)


def masked_name(name: str) -> str:
    """The name with every character after the first masked: 李小明 -> 李**, Wang Fang ->
    W******** (the spaces too, so no word lengths show through)."""
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1)


@dataclass(frozen=True)
class PublicCertificate:
    """What /verify shows of a certificate: nothing that is not printed on it, name masked."""

    kind: str
    title: str
    year: int | None
    entry_count: int | None
    hours: float
    unit_name: str
    masked_name: str
    completed_at: datetime
    issued_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, certificate: Certificate) -> PublicCertificate:
        """The public view of a certificate."""
        return cls(
            kind=certificate.kind,
            title=certificate.title,
            year=certificate.year,
            entry_count=certificate.entry_count,
            hours=certificate.hours,
            unit_name=certificate.unit_name,
            masked_name=masked_name(certificate.learner_name),
            completed_at=certificate.completed_at,
            issued_at=certificate.issued_at,
            revoked_at=certificate.revoked_at,
        )


def retry_after(session: Session, address: str, limits: VerifyLimits) -> timedelta | None:
    """How long until this address may check a code again (None: now)."""
    now = utcnow()
    who = AuditEvent.address == address if address else AuditEvent.address.is_(None)
    misses = list(
        session.scalars(
            select(AuditEvent.created_at)
            .where(
                AuditEvent.action == MISS_ACTION,
                who,
                AuditEvent.created_at > now - limits.window,
            )
            .order_by(AuditEvent.created_at.desc())
            .limit(limits.misses)
        )
    )
    if len(misses) < limits.misses:
        return None
    wait = min(misses) + limits.window - now
    return wait if wait > timedelta(0) else None


def find(session: Session, typed: str) -> Certificate | None:
    """The certificate a typed code names, however it was typed (None: none). The query runs
    for any text, well formed or not, so both take the same time."""
    return session.scalar(select(Certificate).where(Certificate.code == normalise(typed)))


def note_miss(session: Session, typed: str, *, actor_id: int | None) -> None:
    """Count a code that found nothing against the client's address (an audit event)."""
    audit.record(session, MISS_ACTION, actor_id=actor_id, subject=typed[:MAX_TYPED])


def wait_message(wait: timedelta) -> str:
    """What a refused visitor reads: how many minutes to wait (rounded up, at least one)."""
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return ngettext(
        "Too many certificate codes that do not exist were tried from your address. Wait"
        " %(num)d minute and try again.",
        "Too many certificate codes that do not exist were tried from your address. Wait"
        " %(num)d minutes and try again.",
        minutes,
    )
