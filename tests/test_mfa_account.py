"""The second factor on the account's side: setting it up, the roles that must have it, the
security page's other actions, and an administrator's reset (page and command)."""

from __future__ import annotations

import re

import pyotp
import pytest
from sqlalchemy import func, select

import config
from app.auth.totp import time_step
from app.models import ROLES, AuditEvent, LoginAttempt, RecoveryCode, TotpCredential, User
from tests import factories
from tests.conftest import Auth, csrf_from


def _actions(session, action):  # noqa: ANN001, ANN202
    return session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _post(client, path, **data):  # noqa: ANN001, ANN202
    token = csrf_from(client.get("/account/security").text)
    return client.post(path, data={"csrf_token": token, **data})


def _secret_on_page(html: str) -> str:
    match = re.search(r'<code class="totp-secret">([A-Z2-7 ]+)</code>', html)
    assert match, "the page shows no secret to type in"
    return match.group(1).replace(" ", "")


def _codes_on_page(html: str) -> list[str]:
    return re.findall(r"<li><code>([A-Z0-9]{5}-[A-Z0-9]{5})</code></li>", html)


@pytest.fixture
def required(app):  # noqa: ANN001, ANN201
    """Administrators and HR officers must use a second factor, as in production."""
    app.config["MFA_REQUIRED_ROLES"] = ("admin", "hr")


def _enrol(client) -> tuple[str, list[str]]:  # noqa: ANN001
    """Set up an authenticator through the page; return its secret and the recovery codes."""
    assert _post(client, "/account/security/totp").status_code == 302
    page = client.get("/account/security").text
    assert "<svg" in page
    secret = _secret_on_page(page)
    response = _post(client, "/account/security/totp/confirm", code=pyotp.TOTP(secret).now())
    assert response.status_code == 200
    return secret, _codes_on_page(response.text)


def test_a_learner_sets_up_an_authenticator_and_sees_ten_codes_once(
    client, auth, make_user, session
):
    make_user("ann")
    auth.login("ann")
    page = client.get("/account/security").text
    assert "Set up two-factor authentication" in page
    assert '<section id="two-factor"' in page

    assert _post(client, "/account/security/totp").status_code == 302
    page = client.get("/account/security").text
    assert '<div class="qr-code" role="img"' in page and "<svg" in page
    secret = _secret_on_page(page)
    code = pyotp.TOTP(secret).now()
    response = _post(client, "/account/security/totp/confirm", code=code)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    codes = _codes_on_page(response.text)
    assert len(set(codes)) == 10
    # The form for new recovery codes, shown below, does not echo the code just typed.
    assert 'value="' + code + '"' not in response.text
    assert len(_actions(session, "mfa_enabled")) == 1
    again = client.get("/account/security").text
    assert _codes_on_page(again) == []
    assert "Recovery codes left" in again and "<dd>10</dd>" in again


def test_a_wrong_first_code_does_not_turn_it_on(client, auth, make_user, session):
    make_user("ann")
    auth.login("ann")
    _post(client, "/account/security/totp")
    secret = _secret_on_page(client.get("/account/security").text)
    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    response = _post(client, "/account/security/totp/confirm", code=wrong)
    assert response.status_code == 422
    assert "That code is not right" in response.text
    assert _secret_on_page(response.text) == secret  # the same QR code, to try again
    assert session.scalar(select(TotpCredential.confirmed_at)) is None


def test_after_setting_up_the_next_sign_in_asks_for_a_code(app, client, auth, make_user):
    make_user("ann")
    auth.login("ann")
    secret, _codes = _enrol(client)
    auth.logout()
    other = Auth(app.test_client())
    assert other.login("ann").headers["Location"] == "/login/verify"
    # The code of the enrolment is used up: the app's next one signs in.
    assert other.verify(pyotp.TOTP(secret).generate_otp(time_step() + 1)).status_code == 302


def test_admins_and_hr_are_sent_to_set_up_and_held_there(app, required, make_user, session):
    city = factories.unit(session, "CITY")
    make_user("boss", roles={"admin"}, unit=city)
    make_user("officer", roles={"hr"}, unit=city)
    for name, elsewhere in (("boss", "/admin/users"), ("officer", "/reports/units/CITY")):
        client = app.test_client()
        response = Auth(client).login(name)
        assert response.headers["Location"] == "/account/security"
        for path in ("/", elsewhere, "/account/password", "/courses"):
            held = client.get(path)
            assert held.status_code == 302, path
            assert held.headers["Location"] == "/account/security", path
        token = csrf_from(client.get("/account/security").text)
        posted = client.post("/account/password", data={"csrf_token": token})
        assert posted.headers["Location"] == "/account/security"
        assert client.get("/account/security").status_code == 200
        assert client.post("/language/zh", data={"csrf_token": token}).status_code == 302
        assert client.get("/static/css/site.css").status_code == 200


def test_after_setting_up_they_reach_every_page(app, required, make_user, session):
    city = factories.unit(session, "CITY")
    make_user("boss", roles={"admin"}, unit=city)
    client = app.test_client()
    Auth(client).login("boss")
    _enrol(client)
    assert client.get("/admin/users").status_code == 200
    assert client.get("/reports/units/CITY").status_code == 200


def test_learners_need_no_second_factor_where_admins_do(client, auth, required, make_user):
    make_user("ann")
    assert auth.login("ann").headers["Location"] == "/"
    assert client.get("/courses").status_code == 200


def test_an_empty_setting_requires_nobody(client, auth, app, make_user):
    app.config["MFA_REQUIRED_ROLES"] = ()
    make_user("boss", roles={"admin"})
    assert auth.login("boss").headers["Location"] == "/"
    assert client.get("/admin/users").status_code == 200


def test_a_role_given_during_a_session_sends_the_person_to_set_up(
    client, auth, required, make_user, session
):
    user = make_user("ann")
    auth.login("ann")
    assert client.get("/courses").status_code == 200
    user.roles[0].role = "admin"
    session.commit()
    assert client.get("/courses").headers["Location"] == "/account/security"


def test_a_required_role_cannot_turn_it_off(client, auth, required, make_user, session):
    make_user("boss", roles={"admin"})
    auth.login("boss")
    _enrol(client)
    page = client.get("/account/security").text
    assert "cannot be turned off" in page
    response = _post(client, "/account/security/totp/remove", password_or_code=factories.PASSWORD)
    assert response.status_code == 403
    assert session.scalar(select(func.count(TotpCredential.id))) == 1


def test_a_learner_turns_it_off_with_the_password(client, auth, make_user, session):
    make_user("ann")
    auth.login("ann")
    _enrol(client)
    wrong = _post(client, "/account/security/totp/remove", password_or_code="not my password")
    assert wrong.status_code == 422
    assert len(_actions(session, "mfa_failed")) == 1
    failures = select(func.count(LoginAttempt.id)).where(LoginAttempt.succeeded.is_(False))
    assert session.scalar(failures) == 1
    response = _post(client, "/account/security/totp/remove", password_or_code=factories.PASSWORD)
    assert response.status_code == 302
    assert session.scalar(select(func.count(TotpCredential.id))) == 0
    assert session.scalar(select(func.count(RecoveryCode.id))) == 0
    assert len(_actions(session, "mfa_disabled")) == 1
    auth.logout()
    assert auth.login("ann").headers["Location"] == "/"


def test_new_recovery_codes_need_a_code_and_replace_the_old(app, client, auth, make_user, session):
    make_user("ann")
    auth.login("ann")
    _secret, old = _enrol(client)
    refused = _post(client, "/account/security/recovery-codes", code="ZZZZZ-ZZZZZ")
    assert refused.status_code == 422
    assert _codes_on_page(refused.text) == []
    response = _post(client, "/account/security/recovery-codes", code=old[0])
    assert response.status_code == 200
    new = _codes_on_page(response.text)
    assert len(new) == 10 and not set(new) & set(old)
    assert len(_actions(session, "recovery_codes_replaced")) == 1
    auth.logout()
    other = Auth(app.test_client())
    other.login("ann")
    assert other.verify(old[1]).status_code == 422
    assert other.verify(new[0]).status_code == 302


def _admin_reset(app, user_id, confirm=True):  # noqa: ANN001, ANN202
    admin = app.test_client()
    Auth(admin).login("root")
    page = admin.get(f"/admin/users/{user_id}")
    data = {"csrf_token": csrf_from(page.text)}
    if confirm:
        data["confirm"] = "y"
    return admin.post(f"/admin/users/{user_id}/second-factor/reset", data=data)


def test_an_admin_reset_removes_the_factor_and_ends_the_sessions(
    app, client, auth, make_user, make_authenticator, session
):
    make_user("root", roles={"admin"})
    ann = make_user("ann")
    phone = make_authenticator(ann)
    auth.login("ann")
    auth.verify(phone.code())
    assert client.get("/").status_code == 200

    response = _admin_reset(app, ann.id)
    assert response.status_code == 302
    assert client.get("/").headers["Location"] == "/login"
    assert session.scalar(select(func.count(TotpCredential.id))) == 0
    assert session.scalar(select(func.count(RecoveryCode.id))) == 0
    event = _actions(session, "mfa_reset")[0]
    assert event.subject == "ann" and event.actor_id is not None
    assert auth.login("ann").headers["Location"] == "/"


def test_an_admin_reset_needs_the_ticked_box(app, make_user, make_authenticator, session):
    make_user("root", roles={"admin"})
    ann = make_user("ann")
    make_authenticator(ann)
    response = _admin_reset(app, ann.id, confirm=False)
    assert response.status_code == 302
    assert session.scalar(select(func.count(TotpCredential.id))) == 1
    assert _actions(session, "mfa_reset") == []


def test_the_user_page_shows_whether_the_factor_is_on(app, make_user, make_authenticator):
    make_user("root", roles={"admin"})
    ann = make_user("ann")
    make_authenticator(ann)
    admin = app.test_client()
    Auth(admin).login("root")
    page = admin.get(f"/admin/users/{ann.id}").text
    assert "Reset the second factor" in page
    assert re.search(r"Two-factor authentication</dt><dd>On<", page)


def test_the_reset_command_removes_the_factor_and_ends_the_sessions(
    runner, make_user, make_authenticator, session
):
    ann = make_user("ann")
    make_authenticator(ann)
    token = ann.session_token
    result = runner.invoke(args=["users", "reset-mfa", "ANN"])
    assert result.exit_code == 0, result.output
    assert "every session ended" in result.output
    assert session.scalar(select(func.count(TotpCredential.id))) == 0
    assert session.scalar(select(User.session_token)) != token
    assert _actions(session, "mfa_reset")[0].actor_id is None


def test_the_reset_command_names_an_unknown_user(runner):
    result = runner.invoke(args=["users", "reset-mfa", "nobody"])
    assert result.exit_code == 1
    assert "No user is called 'nobody'" in result.output


def test_production_requires_admins_and_hr_by_default(monkeypatch):
    monkeypatch.delenv("MFA_REQUIRED_ROLES", raising=False)
    assert config.Config.MFA_REQUIRED_ROLES == ("admin", "hr")
    assert config.parse_roles("") == ()
    assert config.parse_roles(" HR , admin,") == ("admin", "hr")


def test_a_misspelt_role_is_refused_rather_than_ignored():
    with pytest.raises(RuntimeError, match="admn"):
        config.parse_roles("admn,hr")


def test_the_settings_know_the_same_roles_as_the_models():
    assert set(config.KNOWN_ROLES) == set(ROLES)
