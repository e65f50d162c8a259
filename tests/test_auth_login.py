"""Signing in and out: cookies, rotation, redirects, CSRF."""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest
from sqlalchemy import select

from app.models import AuditEvent
from tests.conftest import csrf_from


def _set_cookie_headers(response) -> list[str]:  # noqa: ANN001
    return response.headers.getlist("Set-Cookie")


def test_login_page_has_the_form_contract(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert 'name="username"' in page.text
    assert 'name="password"' in page.text
    assert 'name="csrf_token"' in page.text


def test_right_password_signs_in_and_goes_home(client, auth, make_user):
    make_user("ann", full_name="Ann Lee")
    response = auth.login("ann")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Ann Lee" in client.get("/").text


def test_username_is_matched_ignoring_case_and_spaces(client, auth, make_user):
    make_user("ann")
    assert auth.login("  ANN ").status_code == 302


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, auth, make_user):
    make_user("ann")
    response = auth.login("ann", "not the password")
    assert response.status_code == 200
    assert "username or password is not right" in response.text
    assert client.get("/").status_code == 302  # still signed out


def test_unknown_user_gets_the_same_message(auth):
    response = auth.login("nobody", "whatever it is")
    assert "username or password is not right" in response.text


def test_post_without_csrf_token_is_rejected_with_400(client, make_user):
    make_user("ann")
    response = client.post("/login", data={"username": "ann", "password": "x" * 10})
    assert response.status_code == 400
    assert "expired" in response.text


def test_logout_requires_post_with_csrf(client, auth, make_user):
    make_user("ann")
    auth.login("ann")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still signed in


def test_session_cookie_is_httponly_and_samesite_lax(client, auth, make_user):
    make_user("ann")
    response = auth.login("ann")
    cookie = next(c for c in _set_cookie_headers(response) if c.startswith("academy_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_session_cookie_is_secure_outside_development(app, make_user):
    from config import ProductionConfig

    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    app.config["SESSION_COOKIE_SECURE"] = True
    make_user("ann")
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost")
    response = client.post(
        "/login",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
        data={
            "username": "ann",
            "password": "correct horse battery",
            "csrf_token": csrf_from(page.text),
        },
    )
    cookie = next(c for c in _set_cookie_headers(response) if c.startswith("academy_session="))
    assert "Secure" in cookie


def test_login_rotates_the_session(client, auth, make_user):
    make_user("ann")
    client.get("/login")
    with client.session_transaction() as s:
        s["planted"] = "by an attacker"
        before = dict(s)
    auth.login("ann")
    with client.session_transaction() as s:
        after = dict(s)
    assert "planted" not in after
    assert after.get("sid") and after.get("sid") != before.get("sid")
    assert after["_user_id"].startswith(tuple("0123456789"))


def _cookie_value(client) -> str:  # noqa: ANN001
    return client.get_cookie("academy_session").value


def _replay(app, cookie_value: str):  # noqa: ANN001, ANN202
    other = app.test_client()
    other.set_cookie("academy_session", cookie_value)
    return other.get("/")


def test_old_cookie_is_refused_after_logout(app, client, auth, make_user):
    make_user("ann")
    auth.login("ann")
    stolen = _cookie_value(client)
    assert _replay(app, stolen).status_code == 200
    auth.logout()
    assert _replay(app, stolen).status_code == 302


def test_logout_ends_sessions_on_other_devices_too(app, make_user):
    from tests.conftest import Auth

    make_user("ann")
    phone, desk = app.test_client(), app.test_client()
    Auth(phone).login("ann")
    Auth(desk).login("ann")
    Auth(desk).logout()
    assert phone.get("/").status_code == 302


def test_old_cookie_is_refused_after_password_change(app, client, auth, make_user):
    make_user("ann")
    auth.login("ann")
    stolen = _cookie_value(client)
    page = client.get("/account/password")
    response = client.post(
        "/account/password",
        data={
            "csrf_token": csrf_from(page.text),
            "current_password": "correct horse battery",
            "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase",
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this browser carries on
    assert _replay(app, stolen).status_code == 302


def test_old_cookie_is_refused_after_deactivation(app, client, auth, make_user, session):
    from app.auth import services

    user = make_user("ann")
    auth.login("ann")
    stolen = _cookie_value(client)
    services.set_active(session, user, False, actor_id=None)
    assert _replay(app, stolen).status_code == 302


def test_disabled_account_cannot_sign_in(auth, make_user, session):
    from app.auth import services

    user = make_user("ann")
    services.set_active(session, user, False, actor_id=None)
    response = auth.login("ann")
    assert response.status_code == 403
    assert "disabled" in response.text


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/path",
        "\\\\evil.example",
        "/\\evil.example",
        "\\/evil.example",
        "https://evil.example/",
        "http:evil.example",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,hi",
        "/\t/evil.example",
        " //evil.example",
        "evil.example",
    ],
)
def test_next_never_leaves_the_site(auth, make_user, target):
    make_user("ann")
    response = auth.login("ann", next_=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_to_a_local_page_is_followed(auth, make_user):
    make_user("ann")
    response = auth.login("ann", next_="/account/password?x=1")
    assert response.headers["Location"] == "/account/password?x=1"


def test_login_and_failures_are_audited(auth, make_user, session):
    make_user("ann")
    auth.login("ann", "wrong password here")
    auth.login("ann")
    auth.logout()
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-3:] == ["login_failed", "login", "logout"]


def test_protected_page_sends_visitor_to_login_with_next(client):
    response = client.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_must_change_password_sends_user_to_change_it(auth, make_user, session):
    user = make_user("ann")
    user.must_change_password = True
    response = auth.login("ann")
    assert response.headers["Location"] == "/account/password"


def test_cookie_header_parses(client, auth, make_user):
    make_user("ann")
    response = auth.login("ann")
    parsed = SimpleCookie()
    parsed.load(next(c for c in _set_cookie_headers(response) if c.startswith("academy_session=")))
    assert parsed["academy_session"].value
