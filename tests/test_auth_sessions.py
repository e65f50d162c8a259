"""Idle timeout and absolute session lifetime."""

from __future__ import annotations

import time


def _age(client, **seconds_ago):  # noqa: ANN001, ANN003, ANN202
    with client.session_transaction() as s:
        for key, ago in seconds_ago.items():
            s[key] = int(time.time()) - ago


def test_idle_session_ends(app, client, auth, make_user):
    make_user("ann")
    auth.login("ann")
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    _age(client, seen_at=idle + 5)
    response = client.get("/")
    assert response.status_code == 302
    assert "session has ended" in client.get("/login").text


def test_active_session_within_idle_limit_continues(app, client, auth, make_user):
    make_user("ann")
    auth.login("ann")
    _age(client, seen_at=app.config["SESSION_IDLE_MINUTES"] * 60 - 30)
    assert client.get("/").status_code == 200


def test_session_ends_after_its_absolute_lifetime_even_when_active(app, client, auth, make_user):
    make_user("ann")
    auth.login("ann")
    _age(client, login_at=app.config["SESSION_MAX_HOURS"] * 3600 + 5, seen_at=1)
    assert client.get("/").status_code == 302


def test_lifetimes_are_configurable(app, client, auth, make_user):
    app.config["SESSION_IDLE_MINUTES"] = 1
    make_user("ann")
    auth.login("ann")
    _age(client, seen_at=61)
    assert client.get("/").status_code == 302
