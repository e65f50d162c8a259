"""Login throttling: per account and per address, stored in the database, never permanent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.models import LoginAttempt, LoginThrottle


def _fail(auth, username="ann", times=1):  # noqa: ANN001, ANN202
    for _ in range(times):
        response = auth.login(username, "wrong password!")
    return response


def test_five_failures_refuse_even_the_right_password(auth, make_user):
    make_user("ann")
    assert _fail(auth, times=5).status_code == 200
    response = auth.login("ann")
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.text
    assert "Wait 15 minutes and try again" in response.text


def test_four_failures_still_allow_the_right_password(auth, make_user):
    make_user("ann")
    _fail(auth, times=4)
    assert auth.login("ann").status_code == 302


def test_refusal_ends_when_failures_leave_the_window(auth, make_user, session):
    make_user("ann")
    _fail(auth, times=5)
    assert auth.login("ann").status_code == 429
    for attempt in session.scalars(select(LoginAttempt)):
        attempt.created_at -= timedelta(minutes=16)
    assert auth.login("ann").status_code == 302


def test_refused_tries_do_not_extend_the_lock(auth, make_user, session):
    make_user("ann")
    _fail(auth, times=5)
    for _ in range(10):
        assert auth.login("ann", "attacker keeps trying").status_code == 429
    assert session.scalar(select(func.count(LoginAttempt.id))) == 5


def test_a_success_clears_the_account_count(auth, make_user):
    make_user("ann")
    _fail(auth, times=4)
    assert auth.login("ann").status_code == 302
    auth.logout()
    _fail(auth, times=4)
    assert auth.login("ann").status_code == 302


def test_other_accounts_are_not_affected(auth, make_user):
    make_user("ann")
    make_user("bob")
    _fail(auth, "ann", times=5)
    assert auth.login("bob").status_code == 302


def test_per_address_limit_slows_spraying_to_one_try_per_account(app, auth):
    # A right password for an account with no failures of its own still signs in from there
    # (tests/test_auth_throttle_address.py); only accounts already tried are refused.
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 6
    for name in ["a1", "a2", "a3", "a4", "a5", "a6"]:
        _fail(auth, name)
    response = _fail(auth, "a1")
    assert response.status_code == 429


def test_throttle_is_shared_across_app_instances(app, auth, make_user, database_url):
    """Two workers (two app objects on one database) see the same failures."""
    from app import create_app
    from config import TestingConfig
    from tests.conftest import Auth

    make_user("ann")
    _fail(auth, times=5)
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url
    other_worker = create_app(config)
    assert Auth(other_worker.test_client()).login("ann").status_code == 429


def test_attempts_older_than_a_day_are_cleared_as_new_ones_arrive(auth, make_user, session):
    make_user("ann")
    _fail(auth, times=3)
    for attempt in session.scalars(select(LoginAttempt)):
        attempt.created_at -= timedelta(days=2)
    _fail(auth, times=1)
    assert session.scalar(select(func.count(LoginAttempt.id))) == 1


def test_throttle_locks_unused_for_a_day_are_cleared_as_new_tries_arrive(auth, session):
    _fail(auth, "someone")
    for lock in session.scalars(select(LoginThrottle)):
        lock.checked_at -= timedelta(days=2)
    _fail(auth, "ann")
    assert session.scalars(select(LoginThrottle.username)).all() == ["ann"]
