"""Refusals that go to the audit log: a staff page refused to a signed-in person, a form sent
without a valid CSRF token.

Both answer with an error status, and the request's transaction rolls back at any status of 400
or more (app/db.py). So the event is written in a short transaction of its own: the request's
work is rolled back first (the error status would discard it anyway, and nothing the view did
may be committed along with the event), then the event alone is committed, as the login view
commits failed sign-ins early. The same session is used rather than a second one because on
SQLite a second writer would wait for the lock the request's own transaction may still hold.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, current_app, request
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from app import audit
from app.db import db
from app.models import AuditEvent
from app.models.types import utcnow

# URLs only HR officers, trainers or administrators may open (in the studio, a course's
# revisions only its editors). A 404 elsewhere (a mistyped course address) is an ordinary
# miss, not a refusal, and is not logged.
STAFF_PREFIXES = ("/admin", "/reports", "/assignments", "/studio")
REFUSED_STATUSES = frozenset({403, 404})

# Anyone can make refusals by the thousand (a script looping over unit codes, a page reloaded
# with a stale form), and each would be a row. Per action, a person (or, signed out, an
# address) gets at most this many events per window; the last one written says `capped`, so
# the log still shows that the probing went on, and the window lets the next burst be seen.
EVENTS_PER_WINDOW = 20
WINDOW = timedelta(minutes=10)


def _signed_in_user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def _path() -> str:
    """The path and query string asked for, as much as the subject column holds."""
    path = request.full_path.removesuffix("?")
    return path[:200]


def _events_in_window(action: str, actor_id: int | None, address: str | None) -> int:
    if actor_id is not None:
        who = AuditEvent.actor_id == actor_id
    elif address is not None:
        who = AuditEvent.address == address
    else:
        who = AuditEvent.address.is_(None)
    return (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.action == action, who, AuditEvent.created_at >= utcnow() - WINDOW
            )
        )
        or 0
    )


def record_refusal(action: str, *, actor_id: int | None, **details: Any) -> None:
    """Audit-log a refused request in a transaction of its own (see the module docstring),
    at most EVENTS_PER_WINDOW times per window for one person or address.

    A failure to write is logged and swallowed: the visitor still gets the page they were
    going to get, not a server error.
    """
    address = audit.client_address() or None
    try:
        # The request's own work ends here, rolled back (its error status would discard it);
        # the event then commits alone.
        db.session.rollback()
        session = db.use_writer()
        written = _events_in_window(action, actor_id, address)
        if written < EVENTS_PER_WINDOW:
            if written == EVENTS_PER_WINDOW - 1:
                details["capped"] = True
            audit.record(session, action, actor_id=actor_id, subject=_path(), **details)
        session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("Could not audit-log %s on %s", action, request.path)


def is_staff_path(path: str) -> bool:
    """Whether `path` is one of the staff pages (see STAFF_PREFIXES)."""
    return any(path == prefix or path.startswith(prefix + "/") for prefix in STAFF_PREFIXES)


def record_access_denied(response: Response) -> Response:
    """After a request: a 403 or 404 on a staff page for a signed-in person is audit-logged.

    The scope checks answer "not yours" and "does not exist" alike with a 404, so both are
    logged: probing other units' codes is what this is for. Signed-out visitors are sent to
    sign in (302) and are never logged here. Administrators are left out: every staff page
    lets them in, so a 404 for them is a missing thing, not a refusal.
    """
    if response.status_code not in REFUSED_STATUSES or not is_staff_path(request.path):
        return response
    if not current_user.is_authenticated or current_user.has_role("admin"):
        return response
    record_refusal(
        "access_denied",
        actor_id=current_user.id,
        method=request.method,
        status=response.status_code,
    )
    return response


def record_csrf_rejection(reason: str) -> None:
    """Audit-log a form refused for its CSRF token: who (if signed in), where, and why."""
    record_refusal(
        "csrf_rejected", actor_id=_signed_in_user_id(), method=request.method, reason=reason
    )


def init_app(app: Flask) -> None:
    """Audit-log refused staff pages after every request."""
    app.after_request(record_access_denied)
