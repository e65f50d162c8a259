"""The audit log page (/admin/audit) and its CSV file: filters, keyset pages, local times."""

from __future__ import annotations

import ast
import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.admin.audit_log import ACTIONS
from app.models import AuditEvent
from tests.conftest import Auth

APP = Path(__file__).resolve().parent.parent / "app"
MIDNIGHT_IN_SHANGHAI = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)  # 2 March, 00:30 in UTC+8


@pytest.fixture
def admin(client, make_user):  # noqa: ANN001, ANN201
    """Signed in as an administrator (which writes a `login` event)."""
    user = make_user("boss", roles={"admin"})
    Auth(client).login("boss")
    return user


def _event(session, action: str, when: datetime, **fields) -> AuditEvent:  # noqa: ANN001, ANN003
    event = AuditEvent(action=action, created_at=when, details=fields.pop("details", {}), **fields)
    session.add(event)
    session.flush()
    return event


def _subjects(html: str) -> list[str]:
    rows = re.findall(r"<tr>\s*<td><time.*?</tr>", html, flags=re.S)
    return [re.findall(r"<td>(.*?)</td>", row, flags=re.S)[3] for row in rows]


def test_events_are_listed_newest_first_in_the_academys_time_zone(client, session, admin):
    # Written in the other order: the listing goes by time, not by when a row was written.
    _event(session, "roles_changed", MIDNIGHT_IN_SHANGHAI + timedelta(hours=1), subject="newer")
    _event(session, "units_imported", MIDNIGHT_IN_SHANGHAI, subject="older", actor_id=admin.id)
    page = client.get("/admin/audit?event=units_imported")
    assert page.status_code == 200
    assert "Mar 2, 2026" in page.text and "12:30:00" in page.text
    assert "Units imported" in page.text and ">boss<" in page.text
    everything = client.get("/admin/audit").text
    assert _subjects(everything)[-2:] == ["newer", "older"]  # after the admin's sign-in today


def test_filters_by_event_user_and_local_days(client, session, admin, make_user):
    ann = make_user("ann")
    day = MIDNIGHT_IN_SHANGHAI  # 2 March locally
    _event(session, "login", day, actor_id=ann.id, subject="ann")
    _event(session, "login_failed", day - timedelta(hours=1), subject="annette")  # 1 March
    _event(session, "roles_changed", day + timedelta(days=1), actor_id=admin.id, subject="ann")

    def subjects(query: str) -> list[str]:
        response = client.get(f"/admin/audit?{query}")
        assert response.status_code == 200
        return _subjects(response.text)

    assert subjects("event=login_failed") == ["annette"]
    # Creating the users today wrote events too: look at March only.
    assert subjects("user=ANN&to=2026-03-31") == ["ann", "ann", "annette"]
    assert subjects("user=ann&exact=y&to=2026-03-31") == ["ann", "ann"]
    assert subjects("user=boss&to=2026-03-31") == ["ann"]  # boss changed ann's roles
    _event(session, "report_exported", day, subject="CITY")
    assert subjects("user=CITY&exact=y") == ["CITY"]
    assert subjects("user=city&to=2026-03-31") == ["CITY"]
    assert subjects("user=ann&from=2026-03-02&to=2026-03-02") == ["ann"]
    assert subjects("user=ann&to=2026-03-01") == ["annette"]
    assert subjects("user=ann&from=2026-03-03&to=2026-03-31") == ["ann"]
    empty = client.get("/admin/audit?user=nobody")
    assert "No event matches these filters." in empty.text


def test_a_bad_filter_says_what_is_wrong_and_keeps_what_was_typed(client, admin):
    response = client.get("/admin/audit?user=ann&from=2026-03-05&to=2026-03-01")
    assert response.status_code == 422
    assert "The end date is before the start date." in response.text
    assert 'value="ann"' in response.text
    assert client.get("/admin/audit?from=yesterday").status_code == 422
    assert client.get("/admin/audit?event=no_such_event").status_code == 422


def test_pages_go_older_and_back_newer_keeping_the_filters(client, session, admin):
    for number in range(120):
        when = MIDNIGHT_IN_SHANGHAI + timedelta(minutes=number)
        _event(session, "assignment_set", when, subject=f"s{number:03d}")
    first = client.get("/admin/audit?event=assignment_set").text
    assert _subjects(first) == [f"s{n:03d}" for n in range(119, 69, -1)]
    assert "Newer events" not in first
    older = re.search(r'href="([^"]*before=[^"]*)"', first).group(1).replace("&amp;", "&")
    assert "event=assignment_set" in older
    second = client.get(older).text
    assert _subjects(second) == [f"s{n:03d}" for n in range(69, 19, -1)]
    last = client.get(re.search(r'href="([^"]*before=[^"]*)"', second).group(1)).text
    assert _subjects(last) == [f"s{n:03d}" for n in range(19, -1, -1)]
    assert "Older events" not in last
    back = re.search(r'href="([^"]*after=[^"]*)"', last).group(1).replace("&amp;", "&")
    assert _subjects(client.get(back).text) == _subjects(second)


def test_the_listing_runs_the_same_few_queries_however_many_events(
    client, session, admin, count_queries
):
    def queries_for_page() -> int:
        with count_queries() as queries:
            assert client.get("/admin/audit").status_code == 200
        return queries.count

    for number in range(3):
        _event(session, "login", MIDNIGHT_IN_SHANGHAI, actor_id=admin.id, subject=f"a{number}")
    few = queries_for_page()
    for number in range(60):
        _event(session, "login", MIDNIGHT_IN_SHANGHAI, actor_id=admin.id, subject=f"b{number}")
    assert queries_for_page() == few <= 6


def test_csv_has_every_filtered_event_formula_safe_and_the_export_is_logged(
    client, session, admin
):
    _event(session, "login_failed", MIDNIGHT_IN_SHANGHAI, subject="=CMD()", address="1.2.3.4")
    _event(session, "login", MIDNIGHT_IN_SHANGHAI, actor_id=admin.id, subject="boss")
    response = client.get("/admin/audit.csv?event=login_failed")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [
        ["time", "event", "actor", "subject", "address", "details"],
        ["2026-03-02T00:30:00+08:00", "login_failed", "", "'=CMD()", "1.2.3.4", ""],
    ]
    exported = session.scalar(select(AuditEvent).where(AuditEvent.action == "audit_log_exported"))
    assert exported.actor_id == admin.id
    assert exported.details["event"] == "login_failed"


def test_the_csv_streams_in_chunks(client, session, admin):
    for number in range(1200):
        _event(session, "logout", MIDNIGHT_IN_SHANGHAI, subject=f"u{number}")
    response = client.get("/admin/audit.csv?event=logout")
    assert response.is_streamed
    chunks = list(response.response)
    assert len(chunks) > 1
    assert b"".join(chunks).count(b"\r\n") == 1201


def test_the_administration_menu_links_to_the_audit_log(client, admin):
    assert 'href="/admin/audit"' in client.get("/admin/users").text


def _recorded_actions() -> set[str]:
    """Every action literal the app passes to audit.record, record_refusal or record_download."""
    found = set()
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name not in ("record", "record_refusal", "record_download"):
                continue
            for arg in node.args[:2]:
                for leaf in ast.walk(arg):
                    if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str):
                        found.add(leaf.value)
    return found


def test_the_event_filter_knows_every_action_the_app_records():
    recorded = _recorded_actions()
    assert {"login", "access_denied", "courses_synced", "report_downloaded"} <= recorded
    missing = recorded - set(ACTIONS)
    assert missing == set(), f"add {sorted(missing)} to ACTIONS in app/admin/audit_log.py"
