"""The audit log stores control characters encoded: a name cannot forge a line of the log."""

from __future__ import annotations

from sqlalchemy import select

from app import audit
from app.models import AuditEvent


def test_control_characters_are_encoded_in_the_subject_and_every_detail(session):
    forged = "ann\r\n2026-12-01 admin granted admin to mallory\x1b[2J"
    audit.record(
        session,
        "login_failed",
        subject=forged,
        username=forged,
        nested={"names": [forged, "plain"]},
        count=3,
    )
    session.flush()
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "login_failed"))
    encoded = "ann\\x0d\\x0a2026-12-01 admin granted admin to mallory\\x1b[2J"
    assert event.subject == encoded
    assert event.details == {
        "username": encoded,
        "nested": {"names": [encoded, "plain"]},
        "count": 3,
    }
    assert "\n" not in event.subject and "\r" not in event.details["username"]


def test_ordinary_text_and_tabs_are_stored_as_they_are(session):
    audit.record(session, "units_imported", subject="单位\t名称 — 甲市", created=5)
    session.flush()
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "units_imported"))
    assert (event.subject, event.details) == ("单位\t名称 — 甲市", {"created": 5})
