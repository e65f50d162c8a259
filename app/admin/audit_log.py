"""Reading the audit log: the events matching a filter, newest first, a page at a time or all of
them for a CSV file. Services take the session first and never commit.

Events are listed by time, newest first (the id breaks ties). Pages are cut by keyset (the events
`before` / `after` a given event), not by offset: the log only grows, and neither counting
millions of rows nor skipping them should make an old page cost more than the newest.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, func, literal, or_, select, tuple_
from sqlalchemy.orm import Session

from app.auth.services import normalise_username
from app.models import AuditEvent, User
from app.web.spreadsheet import excel_csv_chunks, inert_text

EVENTS_PER_PAGE = 50
# Rows fetched from the database at a time while a CSV file streams: memory stays flat.
EXPORT_BATCH = 1000
CSV_HEADER = ("time", "event", "actor", "subject", "address", "details")
NEWEST_FIRST = (AuditEvent.created_at.desc(), AuditEvent.id.desc())
NEWEST_LAST = (AuditEvent.created_at, AuditEvent.id)

# Every action the app writes, with what the filter shows for it. A test reads the source for
# every action recorded, so a new one cannot be left out of the filter.
ACTIONS: dict[str, Any] = {
    "access_denied": _l("Staff page refused"),
    "account_activated": _l("Account activated"),
    "activation_code_issued": _l("Activation code issued"),
    "activation_failed": _l("Activation failed"),
    "activation_throttled": _l("Activation refused (too many tries)"),
    "assignment_removed": _l("Assignment removed"),
    "assignment_set": _l("Course assigned"),
    "attempts_granted": _l("Quiz attempts granted"),
    "audit_log_exported": _l("Audit log exported"),
    "backup_created": _l("Backup taken (command line)"),
    "backup_restored": _l("Backup restored (command line)"),
    "certificate_code_unknown": _l("Certificate check: unknown code"),
    "certificate_revoked": _l("Certificate revoked"),
    "claim_approved": _l("Training claim approved"),
    "claim_rejected": _l("Training claim rejected"),
    "claim_submitted": _l("Training claim submitted"),
    "course_editor_granted": _l("Course editor added"),
    "course_editor_revoked": _l("Course editor removed"),
    "course_revision_discarded": _l("Course revision discarded"),
    "course_revision_staged": _l("Course uploaded and checked"),
    "courses_pulled": _l("Courses pulled from git"),
    "courses_synced": _l("Courses synced"),
    "credit_hours_adjusted": _l("Credit hours adjusted"),
    "credit_rule_loaded": _l("Credit rule loaded"),
    "csrf_rejected": _l("Form refused (expired or forged)"),
    "demo_generated": _l("Demo data generated"),
    "git_webhook_refused": _l("Git webhook refused (bad signature)"),
    "login": _l("Signed in"),
    "login_failed": _l("Sign-in failed"),
    "login_password_ok": _l("Password right, second factor asked for"),
    "login_throttled": _l("Sign-in refused (too many tries)"),
    "logout": _l("Signed out"),
    "mfa_disabled": _l("Second factor turned off"),
    "mfa_enabled": _l("Second factor set up"),
    "mfa_failed": _l("Second-factor code wrong"),
    "mfa_reset": _l("Second factor reset by an administrator"),
    "mfa_throttled": _l("Second-factor code refused (too many tries)"),
    "password_changed": _l("Password changed"),
    "password_check_failed": _l("Current password wrong"),
    "password_check_throttled": _l("Password change refused (too many tries)"),
    "recovery_code_used": _l("Recovery code used"),
    "recovery_codes_replaced": _l("New recovery codes made"),
    "report_downloaded": _l("Report downloaded"),
    "report_exported": _l("Report exported (command line)"),
    "roles_changed": _l("Roles changed"),
    "sessions_ended": _l("Other sessions signed out"),
    "sessions_ended_by_admin": _l("Signed out everywhere by an administrator"),
    "transcript_downloaded": _l("Learning record downloaded (someone else's)"),
    "units_imported": _l("Units imported"),
    "user_activated": _l("Account enabled"),
    "user_category_changed": _l("Category changed"),
    "user_created": _l("User created"),
    "user_deactivated": _l("Account disabled"),
    "user_unit_changed": _l("Unit changed"),
    "users_imported": _l("Users imported"),
}


@dataclass(frozen=True)
class AuditFilters:
    """Which events to show: an action, a user, a period of local days (all optional).

    `user` matches the actor's username or the event's subject (the username typed at a failed
    sign-in, the user whose roles changed, a unit's code): it is contained in them, ignoring
    case, or with `exact` equal to them. Only an exact match can use the indexes.
    """

    action: str | None = None
    user: str = ""
    exact: bool = False
    date_from: date | None = None
    date_to: date | None = None
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))

    def as_args(self) -> dict[str, str]:
        """The filters as query-string arguments, for links that keep them."""
        args = {
            "event": self.action or "",
            "user": self.user,
            "exact": "y" if self.exact and self.user else "",
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
        }
        return {key: value for key, value in args.items() if value}

    def as_details(self) -> dict[str, Any]:
        """The filters as they go into the audit event of an export."""
        return {
            "event": self.action,
            "user": self.user or None,
            "exact": self.exact,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
        }


@dataclass(frozen=True)
class AuditLine:
    """One event as listed: the event and its actor's username (None: nobody signed in)."""

    event: AuditEvent
    actor: str | None


@dataclass(frozen=True)
class AuditPage:
    """One page of events, newest first, with the ids to ask for the pages either side."""

    lines: list[AuditLine]
    newer_than: int | None  # ?after= for the newer page, None when this is the newest
    older_than: int | None  # ?before= for the older page, None when this is the oldest


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def _conditions(filters: AuditFilters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.action:
        where.append(AuditEvent.action == filters.action)
    if typed := filters.user.strip():
        name = normalise_username(typed)
        if filters.exact:
            # Plain equality, so that the indexes on usernames and subjects serve it. A subject
            # is a (normalised) username, or a unit code or path as it was written.
            actors = select(User.id).where(User.username == name)
            subject = AuditEvent.subject.in_(sorted({name, typed}))
        else:
            actors = select(User.id).where(User.username.contains(name, autoescape=True))
            subject = func.lower(AuditEvent.subject).contains(name, autoescape=True)
        where.append(or_(AuditEvent.actor_id.in_(actors), subject))
    if filters.date_from:
        where.append(AuditEvent.created_at >= _start_of(filters.date_from, filters.zone))
    if filters.date_to:
        end = _start_of(filters.date_to + timedelta(days=1), filters.zone)
        where.append(AuditEvent.created_at < end)
    return where


def _lines(filters: AuditFilters) -> Select[tuple[AuditEvent, str | None]]:
    return (
        select(AuditEvent, User.username)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(*_conditions(filters))
    )


def _position(event_id: int) -> Any:
    """Where event `event_id` stands in the listing's order, as a row value to compare with."""
    created_at = select(AuditEvent.created_at).where(AuditEvent.id == event_id).scalar_subquery()
    return tuple_(created_at, literal(event_id))


def audit_page(
    session: Session,
    filters: AuditFilters,
    *,
    before: int | None = None,
    after: int | None = None,
    size: int = EVENTS_PER_PAGE,
) -> AuditPage:
    """The `size` newest events matching `filters` that come after event `before` in the
    listing, or the `size` that come just before event `after` (a page back towards the newest),
    or else the newest. One query."""
    query = _lines(filters)
    order = tuple_(AuditEvent.created_at, AuditEvent.id)
    if after is not None:
        query = query.where(order > _position(after)).order_by(*NEWEST_LAST)
    else:
        if before is not None:
            query = query.where(order < _position(before))
        query = query.order_by(*NEWEST_FIRST)
    rows = session.execute(query.limit(size + 1)).all()
    more = len(rows) > size
    lines = [AuditLine(event, actor) for event, actor in rows[:size]]
    if after is not None:
        lines.reverse()
        newer, older = more, True
    else:
        newer, older = before is not None, more
    return AuditPage(
        lines,
        newer_than=lines[0].event.id if lines and newer else None,
        older_than=lines[-1].event.id if lines and older else None,
    )


def all_lines(session: Session, filters: AuditFilters) -> Iterator[AuditLine]:
    """Every event matching `filters`, newest first, read EXPORT_BATCH rows at a time."""
    query = _lines(filters).order_by(*NEWEST_FIRST)
    result = session.execute(query.execution_options(yield_per=EXPORT_BATCH))
    for event, actor in result:
        yield AuditLine(event, actor)


def details_text(details: dict[str, Any] | None) -> str:
    """An event's details on one line, `key: value` pairs in key order, lists and maps as JSON."""

    def value(item: Any) -> str:
        if isinstance(item, str):
            return item
        return json.dumps(item, ensure_ascii=False, sort_keys=True)

    return "; ".join(f"{key}: {value(item)}" for key, item in sorted((details or {}).items()))


def csv_row(line: AuditLine, zone: ZoneInfo) -> list[str]:
    """One event as CSV fields: the time in ISO 8601 with the academy's offset, then texts a
    spreadsheet never runs as a formula."""
    event = line.event
    texts = [
        event.action,
        line.actor or "",
        event.subject or "",
        event.address or "",
        details_text(event.details),
    ]
    stamp = event.created_at.astimezone(zone).isoformat(timespec="seconds")
    return [stamp, *(inert_text(text) for text in texts)]


def csv_chunks(lines: Iterator[AuditLine], zone: ZoneInfo) -> Iterator[bytes]:
    """The events as a CSV file for Excel (UTF-8 with BOM), in chunks for a streamed response."""
    rows = (csv_row(line, zone) for line in lines)
    for chunk in excel_csv_chunks(CSV_HEADER, rows):
        yield chunk.encode("utf-8")
