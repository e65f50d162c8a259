"""/activate: an imported user chooses a password with their one-time code."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth import codes
from app.models import AuditEvent, User
from app.models.types import utcnow
from tests.conftest import csrf_from

NEW_PASSWORD = "a long walk home"


@pytest.fixture
def newcomer(app, make_user):  # noqa: ANN001, ANN201
    """An imported user without a password, and their activation code."""
    user = make_user("newbie", password=None, full_name="New Bie")
    with app.app_context():
        code = codes.new_code()
        user.activation_code_hash = codes.hash_code(code)
    user.activation_expires_at = utcnow() + timedelta(days=14)
    return user, code


def _activate(client, username: str, code: str, password: str = NEW_PASSWORD):  # noqa: ANN001, ANN202
    page = client.get("/activate")
    return client.post(
        "/activate",
        data={
            "csrf_token": csrf_from(page.text),
            "username": username,
            "code": code,
            "new_password": password,
            "confirm_password": password,
        },
    )


def test_login_page_links_to_activation(client):
    page = client.get("/login")
    assert 'href="/activate"' in page.text
    assert "Activate your account" in page.text


def test_right_code_sets_the_password_signs_in_and_clears_the_code(
    client, auth, session, newcomer
):
    user, code = newcomer
    response = _activate(client, " NEWBIE ", code.lower().replace("-", ""))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "New Bie" in client.get("/").text  # signed in
    stored = session.get(User, user.id)
    assert stored.password_hash and stored.activation_code_hash is None
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "account_activated"))
    auth.logout()
    assert auth.login("newbie", NEW_PASSWORD).status_code == 302


def test_a_used_code_does_not_work_again(app, client, newcomer):
    user, code = newcomer
    assert _activate(client, "newbie", code).status_code == 302
    other = app.test_client()
    response = _activate(other, "newbie", code, "another long password")
    assert response.status_code == 422
    assert "activation code is not right" in response.text


def test_wrong_code_is_refused(client, session, newcomer):
    user, _code = newcomer
    response = _activate(client, "newbie", "AAAA-AAAA-AA")
    assert response.status_code == 422
    assert "activation code is not right" in response.text
    assert session.get(User, user.id).password_hash is None


def test_unknown_user_gets_the_same_message(client):
    response = _activate(client, "nobody", "AAAA-AAAA-AA")
    assert "activation code is not right" in response.text


def test_expired_code_is_refused(client, session, newcomer):
    user, code = newcomer
    stored = session.get(User, user.id)
    stored.activation_expires_at = utcnow() - timedelta(minutes=1)
    response = _activate(client, "newbie", code)
    assert response.status_code == 422
    assert "expired" in response.text
    assert session.get(User, user.id).password_hash is None


def test_weak_password_keeps_the_code_usable(client, session, newcomer):
    user, code = newcomer
    response = _activate(client, "newbie", code, "password")
    assert response.status_code == 422
    assert "commonly used" in response.text
    assert session.get(User, user.id).activation_code_hash is not None
    assert _activate(client, "newbie", code).status_code == 302


def test_wrong_codes_are_throttled_like_sign_ins(app, client, newcomer):
    _user, code = newcomer
    app.config["LOGIN_MAX_FAILURES"] = 3
    for _ in range(3):
        assert _activate(client, "newbie", "AAAA-AAAA-AA").status_code == 422
    response = _activate(client, "newbie", code)  # even the right code waits now
    assert response.status_code == 429
    assert "Too many wrong attempts" in response.text


def test_activation_needs_csrf(client, newcomer):
    _user, code = newcomer
    response = client.post(
        "/activate",
        data={"username": "newbie", "code": code, "new_password": NEW_PASSWORD,
              "confirm_password": NEW_PASSWORD},
    )
    assert response.status_code == 400


def test_deactivated_user_cannot_activate(client, session, newcomer):
    user, code = newcomer
    session.get(User, user.id).is_active = False
    assert _activate(client, "newbie", code).status_code == 422
