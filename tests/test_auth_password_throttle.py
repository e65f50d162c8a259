"""The current-password field of /account/password: throttled and audited like a sign-in."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import AuditEvent, LoginAttempt
from tests.conftest import Auth, csrf_from
from tests.factories import PASSWORD

NEW = "a brand new passphrase"


def _change(client, current: str):  # noqa: ANN001, ANN202
    page = client.get("/account/password")
    return client.post(
        "/account/password",
        data={
            "csrf_token": csrf_from(page.text),
            "current_password": current,
            "new_password": NEW,
            "confirm_password": NEW,
        },
    )


def _count(session, action: str) -> int:  # noqa: ANN001
    return session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def test_a_wrong_current_password_is_audit_logged_and_counted(client, auth, make_user, session):
    make_user("ann")
    auth.login("ann")
    response = _change(client, "not my password")
    assert response.status_code == 422
    assert "Your current password is not right." in response.text
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "password_check_failed"))
    assert event is not None
    assert event.subject == "ann"
    assert event.actor_id is not None
    failures = select(func.count(LoginAttempt.id)).where(LoginAttempt.succeeded.is_(False))
    assert session.scalar(failures) == 1


def test_guessing_the_current_password_is_refused_after_the_limit(
    client, auth, make_user, session
):
    make_user("ann")
    auth.login("ann")
    for _ in range(5):
        assert _change(client, "a guess at it").status_code == 422
    response = _change(client, PASSWORD)  # even the right one is not checked now
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.text
    assert "Wait 15 minutes and try again" in response.text
    assert _count(session, "password_changed") == 0
    assert _count(session, "password_check_failed") == 5
    assert _count(session, "password_check_throttled") == 1


def test_wrong_current_passwords_count_against_signing_in(app, client, auth, make_user):
    make_user("ann")
    auth.login("ann")
    for _ in range(5):
        _change(client, "a guess at it")
    elsewhere = Auth(app.test_client())
    assert elsewhere.login("ann").status_code == 429


def test_earlier_sign_in_failures_count_against_the_current_password(
    app, client, auth, make_user
):
    make_user("ann")
    auth.login("ann")
    elsewhere = Auth(app.test_client())
    for _ in range(5):
        elsewhere.login("ann", "someone else guessing")
    assert _change(client, PASSWORD).status_code == 429


def test_the_right_current_password_under_the_limit_changes_it(client, auth, make_user, session):
    make_user("ann")
    auth.login("ann")
    for _ in range(4):
        _change(client, "a guess at it")
    assert _change(client, PASSWORD).status_code == 302
    assert _count(session, "password_changed") == 1
