"""The per-address limit: it slows a sprayer down, counts the client behind the reverse proxy,
and never locks out a right password for an account with no failures of its own."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from app import create_app
from app.models import AuditEvent
from tests.conftest import ARRANGED_SESSION, ArrangedDataClient, Auth

WRONG = "wrong password!"
ATTACKER = "203.0.113.7"
COLLEAGUE = "198.51.100.9"


@pytest.fixture
def behind_proxy(app: Flask, session) -> Flask:  # noqa: ANN001
    """The app as deployed behind one reverse proxy (PROXY_FIX_X_FOR=1), on the test database."""
    from config import TestingConfig  # imported here so pytest does not take it for tests

    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
    config.PROXY_FIX_X_FOR = 1
    config.LOGIN_MAX_FAILURES_PER_ADDRESS = 6
    proxied = create_app(config)
    proxied.test_client_class = ArrangedDataClient
    proxied.extensions[ARRANGED_SESSION] = session
    return proxied


def _browser(app: Flask, forwarded_for: str) -> Auth:
    """A browser whose requests reach the app through the proxy, which adds X-Forwarded-For."""
    client = app.test_client()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return Auth(client)


def _spray(auth: Auth, names: list[str]) -> None:
    for name in names:
        assert auth.login(name, WRONG).status_code == 200


def _addresses(session, action: str) -> list[str | None]:  # noqa: ANN001
    return list(session.scalars(select(AuditEvent.address).where(AuditEvent.action == action)))


def test_a_right_password_signs_in_while_the_address_is_over_its_limit(app, auth, make_user):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 6
    make_user("zed")
    _spray(auth, ["a1", "a2", "a3", "a4", "a5", "a6"])
    assert auth.login("zed").status_code == 302


def test_over_the_address_limit_an_account_gets_one_try_then_waits(app, auth, make_user):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 6
    make_user("ann")
    _spray(auth, ["a1", "a2", "a3", "a4", "a5", "a6"])
    assert auth.login("ann", WRONG).status_code == 200  # checked, and counted against ann
    response = auth.login("ann")
    assert response.status_code == 429
    assert "Wait 15 minutes and try again" in response.text


def test_the_address_limit_does_not_refuse_an_account_that_has_signed_in_since(
    app, auth, make_user
):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 6
    make_user("ann")
    _spray(auth, ["ann"])
    assert auth.login("ann").status_code == 302  # the success clears ann's own failure
    auth.logout()
    _spray(auth, ["a1", "a2", "a3", "a4", "a5"])
    assert auth.login("ann").status_code == 302


def test_behind_the_proxy_the_limit_counts_the_client_address(behind_proxy, make_user, session):
    make_user("ann")
    attacker = _browser(behind_proxy, ATTACKER)
    _spray(attacker, ["a1", "a2", "a3", "a4", "a5", "ann"])
    assert attacker.login("ann").status_code == 429
    # ann, at another desk behind the same proxy, mistyped once too: she is not that address.
    assert _browser(behind_proxy, COLLEAGUE).login("ann").status_code == 302
    assert set(_addresses(session, "login_failed")) == {ATTACKER}
    assert _addresses(session, "login") == [COLLEAGUE]


def test_behind_the_proxy_a_forged_forwarded_address_is_not_believed(
    behind_proxy, make_user, session
):
    make_user("ann")
    # The client writes its own X-Forwarded-For; the proxy appends the address it sees.
    for n, name in enumerate(["a1", "a2", "a3", "a4", "a5", "ann"]):
        _spray(_browser(behind_proxy, f"192.0.2.{n}, {ATTACKER}"), [name])
    assert _browser(behind_proxy, f"192.0.2.99, {ATTACKER}").login("ann").status_code == 429
    assert set(_addresses(session, "login_failed")) == {ATTACKER}


def test_without_the_proxy_setting_a_forwarded_address_is_ignored(client, auth, session):
    client.environ_base["HTTP_X_FORWARDED_FOR"] = ATTACKER
    auth.login("nobody", WRONG)
    assert _addresses(session, "login_failed") == ["127.0.0.1"]
