"""Refused staff pages and rejected CSRF tokens reach the audit log, although the refusal's
error status rolls the request back; a flood of them is capped."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db import db
from app.errors import denials
from app.models import AuditEvent, Unit
from tests import factories
from tests.conftest import Auth, csrf_from


def _events(session, action: str) -> list[AuditEvent]:  # noqa: ANN001
    return list(
        session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by("id"))
    )


@pytest.fixture
def units(session):  # noqa: ANN001, ANN201
    """CITY and OTHER, two unrelated units."""
    return factories.unit(session, "CITY"), factories.unit(session, "OTHER")


def test_hr_refused_another_units_report_is_logged_with_path_method_and_status(
    client, session, make_user, units
):
    officer = make_user("hr_other", roles={"hr"}, unit=units[1])
    Auth(client).login("hr_other")
    assert client.get("/reports/units/CITY?format=csv").status_code == 404
    [event] = _events(session, "access_denied")
    assert event.actor_id == officer.id
    assert event.subject == "/reports/units/CITY?format=csv"
    assert event.details == {"method": "GET", "status": 404}
    assert event.address == "127.0.0.1"


def test_learner_refused_admin_and_assignment_pages_is_logged(client, session, make_user):
    learner = make_user("ann")
    Auth(client).login("ann")
    assert client.get("/admin/users").status_code == 404
    page = client.get("/account/password").text
    assert client.post("/assignments/", data={"csrf_token": csrf_from(page)}).status_code == 404
    events = _events(session, "access_denied")
    assert [(e.actor_id, e.subject, e.details["method"]) for e in events] == [
        (learner.id, "/admin/users", "GET"),
        (learner.id, "/assignments/", "POST"),
    ]


def test_signed_out_visitors_ordinary_misses_and_admins_are_not_logged(client, session, make_user):
    assert client.get("/admin/users").status_code == 302  # sent to sign in
    assert client.get("/admin/no-such-page").status_code == 404
    make_user("ann")
    Auth(client).login("ann")
    assert client.get("/courses/no-such-course").status_code == 404  # not a staff page
    assert client.get("/administrator").status_code == 404  # only looks like one
    Auth(client).logout()
    make_user("boss", roles={"admin"})
    Auth(client).login("boss")
    assert client.get("/admin/users/99999").status_code == 404  # a user that does not exist
    assert _events(session, "access_denied") == []


def test_a_flood_of_refusals_is_capped_and_the_last_event_says_so(client, session, make_user):
    make_user("ann")
    Auth(client).login("ann")
    for number in range(denials.EVENTS_PER_WINDOW + 5):
        assert client.get(f"/reports/units/U{number}").status_code == 404
    events = _events(session, "access_denied")
    assert len(events) == denials.EVENTS_PER_WINDOW
    assert [e.details.get("capped", False) for e in events[-2:]] == [False, True]


def test_the_refused_requests_own_work_is_not_committed_with_the_event(
    app, client, session, make_user
):
    # A view that wrote something and then refused: the write must not ride on the event's commit.
    @app.route("/reports/writes-then-refuses", methods=["POST"])
    def writes_then_refuses():  # noqa: ANN202
        factories.unit(db.session, "LEAK")
        return "no", 404

    make_user("ann")
    Auth(client).login("ann")
    token = csrf_from(client.get("/account/password").text)
    assert (
        client.post("/reports/writes-then-refuses", data={"csrf_token": token}).status_code == 404
    )
    assert len(_events(session, "access_denied")) == 1
    assert session.scalar(select(Unit).where(Unit.code == "LEAK")) is None


def test_a_rejected_csrf_token_is_logged_with_the_user(client, session, make_user):
    user = make_user("ann")
    Auth(client).login("ann")
    assert client.post("/logout", data={"csrf_token": "stale"}).status_code == 400
    [event] = _events(session, "csrf_rejected")
    assert (event.actor_id, event.subject) == (user.id, "/logout")
    assert event.details["method"] == "POST"
    assert "token" in event.details["reason"].lower()


def test_a_rejected_csrf_token_of_a_signed_out_visitor_is_logged_by_address(client, session):
    assert client.post("/login", data={"username": "x", "password": "y"}).status_code == 400
    [event] = _events(session, "csrf_rejected")
    assert (event.actor_id, event.subject, event.address) == (None, "/login", "127.0.0.1")


def test_a_long_path_full_of_control_characters_fits_the_subject_column(client, session, make_user):
    make_user("ann")
    Auth(client).login("ann")
    assert client.get("/reports/units/" + "%0a" * 300).status_code == 404
    [event] = _events(session, "access_denied")
    assert event.subject.startswith("/reports/units/\\x0a\\x0a")
    assert len(event.subject) == 200
