"""Writing the audit log.

Every text that goes into an event (its subject, and strings among its details, however deeply
nested) is stored with control characters encoded, so a username holding CR/LF or an escape
sequence cannot forge a line or recolour a terminal when the log is exported or read.
"""

from __future__ import annotations

import re
from typing import Any

from flask import has_request_context, request
from sqlalchemy.orm import Session

from app.models import AuditEvent


def client_address() -> str:
    """The address of the current request's client ('' outside a request).

    Behind a reverse proxy, set PROXY_FIX_X_FOR to the number of proxies (see README): the
    factory then wraps the app in Werkzeug's ProxyFix, so that `remote_addr` is the client's
    and not the proxy's.
    """
    if not has_request_context():
        return ""
    return (request.remote_addr or "")[:64]


# C0 and C1 controls and DEL; tab and the rest of printable Unicode stay as they are.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def inert(value: Any) -> Any:
    """`value` with each control character in its strings written as `\\xNN`."""
    if isinstance(value, str):
        return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", value)
    if isinstance(value, dict):
        return {key: inert(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [inert(item) for item in value]
    return value


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
        # Encoding can lengthen a text: cut it to what the column holds after encoding.
        subject=inert(subject)[:200] if subject is not None else None,
        address=client_address() or None,
        details=inert(details),
    )
    session.add(event)
    return event
