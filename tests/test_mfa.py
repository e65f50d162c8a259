"""Signing in with a second factor: the password, then a code; throttled, logged, used once."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from app.auth import mfa_session
from app.models import AuditEvent, LoginAttempt, RecoveryCode, TotpCredential, User
from tests.conftest import Auth


def _actions(session, action):  # noqa: ANN001, ANN202
    return session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


@pytest.fixture
def ann(make_user, make_authenticator):  # noqa: ANN001, ANN201
    """A learner who has turned the second factor on."""
    return make_authenticator(make_user("ann"))


def test_the_right_password_alone_does_not_sign_in(client, auth, ann):
    response = auth.login("ann")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/verify"
    home = client.get("/")
    assert home.status_code == 302
    assert home.headers["Location"] == "/login"
    page = client.get("/login/verify")
    assert page.status_code == 200
    assert 'name="code"' in page.text


def test_the_code_completes_the_sign_in(client, auth, ann, session):
    auth.login("ann")
    response = auth.verify(ann.code())
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    logins = _actions(session, "login")
    assert [event.details for event in logins] == [{"second_factor": "totp"}]
    assert len(_actions(session, "login_password_ok")) == 1


def test_the_second_step_keeps_next(client, auth, ann):
    auth.login("ann", next_="/courses")
    assert auth.verify(ann.code()).headers["Location"] == "/courses"


def test_a_wrong_code_is_refused_counted_and_logged(client, auth, ann, session):
    auth.login("ann")
    response = auth.verify("000000" if ann.code() != "000000" else "111111")
    assert response.status_code == 422
    assert "That code is not right" in response.text
    assert client.get("/").status_code == 302
    assert len(_actions(session, "mfa_failed")) == 1
    failed = session.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.username == "ann", LoginAttempt.succeeded.is_(False)
        )
    )
    assert failed == 1


def _wrong(ann) -> str:  # noqa: ANN001
    return "123456" if ann.code() != "123456" else "654321"


def test_five_wrong_codes_refuse_even_the_right_one(client, auth, ann, session):
    auth.login("ann")
    for _ in range(5):
        assert auth.verify(_wrong(ann)).status_code == 422
    response = auth.verify(ann.code())
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.text
    assert client.get("/").status_code == 302
    assert len(_actions(session, "mfa_throttled")) == 1
    # The password step is held back by the same count.
    assert Auth(client).login("ann").status_code == 429


def test_giving_the_password_again_does_not_reset_the_count_of_wrong_codes(client, auth, ann):
    for _ in range(2):
        assert auth.login("ann").headers["Location"] == "/login/verify"
        auth.verify(_wrong(ann))
        auth.verify(_wrong(ann))
    assert auth.login("ann").headers["Location"] == "/login/verify"
    assert auth.verify(_wrong(ann)).status_code == 422
    assert auth.verify(ann.code()).status_code == 429


def test_a_code_cannot_be_used_twice(app, client, auth, ann):
    code = ann.code()
    auth.login("ann")
    assert auth.verify(code).status_code == 302
    auth.logout()
    other = Auth(app.test_client())
    other.login("ann")
    response = other.verify(code)
    assert response.status_code == 422
    assert "used already" in response.text


def test_an_older_code_after_a_newer_one_is_refused(client, auth, ann):
    auth.login("ann")
    assert auth.verify(ann.code()).status_code == 302
    auth.logout()
    auth.login("ann")
    assert auth.verify(ann.code(steps_ahead=-1)).status_code == 422


def test_a_code_from_the_next_step_is_accepted_for_clock_drift(client, auth, ann):
    auth.login("ann")
    assert auth.verify(ann.code(steps_ahead=1)).status_code == 302


def test_a_code_two_steps_away_is_refused(client, auth, ann):
    auth.login("ann")
    assert auth.verify(ann.code(steps_ahead=2)).status_code == 422
    assert auth.verify(ann.code(steps_ahead=-2)).status_code == 422


def test_a_recovery_code_works_once(app, client, auth, ann, session):
    code = ann.recovery_codes[3]
    auth.login("ann")
    response = auth.verify(code.lower().replace("-", " "))
    assert response.status_code == 302
    assert "9 are left" in client.get("/").text
    assert [event.details for event in _actions(session, "login")] == [
        {"second_factor": "recovery_code"}
    ]
    assert _actions(session, "recovery_code_used")[0].details == {"left": 9}
    auth.logout()

    again = Auth(app.test_client())
    again.login("ann")
    assert again.verify(code).status_code == 422
    used = session.scalar(select(func.count()).where(RecoveryCode.used_at.is_not(None)))
    assert used == 1


def test_the_second_step_expires_after_five_minutes(client, auth, ann):
    auth.login("ann")
    with client.session_transaction() as cookie:
        marker = dict(cookie[mfa_session.PENDING])
        marker["at"] = int(time.time()) - mfa_session.PENDING_SECONDS - 1
        cookie[mfa_session.PENDING] = marker
    response = client.get("/login/verify")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_ending_all_sessions_between_the_steps_cancels_the_second_step(client, auth, ann, session):
    auth.login("ann")
    user = session.scalar(select(User).where(User.username == "ann"))
    user.session_token = "replaced-by-a-password-change"
    session.commit()
    assert client.get("/login/verify").headers["Location"] == "/login"


def test_users_without_a_second_factor_sign_in_with_the_password(client, auth, make_user):
    make_user("bob")
    response = auth.login("bob")
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_the_secret_is_stored_encrypted(app, ann, session):
    stored = session.scalar(select(TotpCredential.secret))
    assert ann.secret not in stored
    assert ann.secret not in stored.upper()
    codes = session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(codes) == 10
    assert not set(ann.recovery_codes) & set(codes)


def test_a_changed_secret_key_makes_the_stored_secret_unreadable(app, ann, session):
    from app.auth import totp

    credential = session.scalar(select(TotpCredential))
    with app.app_context():
        assert totp.open_secret(credential) == ann.secret
        app.config["SECRET_KEY"] = "another key that is long enough for the check"
        assert totp.open_secret(credential) is None
