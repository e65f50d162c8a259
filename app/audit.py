"""Writing the audit log."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy.orm import Session

from app.models import AuditEvent


def client_address() -> str:
    """The address of the current request's client ('' outside a request).

    Behind a reverse proxy, run the app with Werkzeug's ProxyFix (see README) so that
    `remote_addr` is the client's and not the proxy's.
    """
    if not has_request_context():
        return ""
    return (request.remote_addr or "")[:64]


def record(
    session: Session,
    action: str,
    *,
    actor_id: int | None = None,
    subject: str | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the session (the caller's transaction commits it)."""
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        subject=subject,
        address=client_address() or None,
        details=details,
    )
    session.add(event)
    return event
