"""A person sees where they are signed in and can end the other sessions (ASVS 7.5.2); an
administrator can sign someone out everywhere without deactivating them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth.login_sessions import device_hint
from app.models import AuditEvent, LoginSession
from app.models.types import utcnow
from tests.conftest import Auth, csrf_from

WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/120.0 Safari/537.36"
)
ANDROID_WECHAT = (
    "Mozilla/5.0 (Linux; Android 13; V2154A) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/116.0 Mobile Safari/537.36 MicroMessenger/8.0.47"
)


def _browser(app, user_agent: str, address: str = "127.0.0.1"):  # noqa: ANN001, ANN202
    client = app.test_client()
    client.environ_base.update(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)
    assert Auth(client).login("ann").status_code == 302
    return client


def _rows(session) -> int:  # noqa: ANN001
    session.expire_all()
    return session.scalar(select(func.count()).select_from(LoginSession))


def test_the_security_page_lists_each_signed_in_browser_with_this_one_marked(
    app, make_user
):
    make_user("ann")
    _browser(app, ANDROID_WECHAT, "10.1.2.3")
    desk = _browser(app, WINDOWS_CHROME, "10.9.8.7")
    page = desk.get("/account/security").text
    assert "Chrome, Windows" in page and "WeChat, Android" in page
    assert "10.1.2.3" in page and "10.9.8.7" in page
    # This browser comes first and is the one marked.
    assert page.index("Chrome, Windows") < page.index("This device") < page.index("WeChat")


def test_signing_out_other_sessions_ends_them_and_keeps_this_one(app, session, make_user):
    make_user("ann")
    phone = _browser(app, ANDROID_WECHAT)
    desk = _browser(app, WINDOWS_CHROME)
    page = desk.get("/account/security").text
    response = desk.post("/account/sessions/end-others", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert "1 other session has been signed out" in desk.get("/account/security").text
    assert desk.get("/").status_code == 200
    assert phone.get("/").headers["Location"].startswith("/login")
    assert _rows(session) == 1
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "sessions_ended"))
    assert event.subject == "ann" and event.details["count"] == 1


def test_a_session_without_its_row_is_signed_out_even_with_a_valid_cookie(
    app, session, make_user
):
    make_user("ann")
    desk = _browser(app, WINDOWS_CHROME)
    session.execute(LoginSession.__table__.delete())
    session.commit()
    assert desk.get("/").headers["Location"].startswith("/login")


def test_only_a_hash_of_the_session_id_is_stored(app, session, make_user):
    make_user("ann")
    desk = _browser(app, WINDOWS_CHROME)
    with desk.session_transaction() as cookie:
        sid = cookie["sid"]
    stored = session.scalar(select(LoginSession.sid_hash))
    assert sid not in stored and len(stored) == 64


def test_signing_out_deletes_the_session_rows(app, session, make_user):
    make_user("ann")
    desk = _browser(app, WINDOWS_CHROME)
    page = desk.get("/").text
    desk.post("/logout", data={"csrf_token": csrf_from(page)})
    assert _rows(session) == 0


def test_an_admin_signs_a_user_out_everywhere_without_deactivating(app, session, make_user):
    ann = make_user("ann")
    make_user("boss", roles={"learner", "admin"})
    phone = _browser(app, ANDROID_WECHAT)
    admin = app.test_client()
    assert Auth(admin).login("boss").status_code == 302
    page = admin.get(f"/admin/users/{ann.id}").text
    response = admin.post(
        f"/admin/users/{ann.id}/end-sessions", data={"csrf_token": csrf_from(page)}
    )
    assert response.status_code == 302
    assert phone.get("/").headers["Location"].startswith("/login")
    assert Auth(phone).login("ann").status_code == 302  # still active, same password
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "sessions_ended_by_admin")
    )
    assert event.subject == "ann" and event.actor_id is not None


def test_last_seen_is_written_every_few_minutes_not_on_every_request(app, session, make_user):
    make_user("ann")
    desk = _browser(app, WINDOWS_CHROME)
    long_ago = utcnow() - timedelta(minutes=20)
    session.execute(LoginSession.__table__.update().values(last_seen_at=long_ago))
    session.commit()
    desk.get("/")
    session.expire_all()
    assert session.scalar(select(LoginSession.last_seen_at)) == long_ago  # within 5 minutes
    with desk.session_transaction() as cookie:
        cookie["touched_at"] -= 6 * 60
    desk.get("/")
    session.expire_all()
    assert session.scalar(select(LoginSession.last_seen_at)) > long_ago


def test_expired_sessions_are_not_listed_and_are_deleted_at_the_next_sign_in(
    app, session, make_user
):
    make_user("ann")
    _browser(app, ANDROID_WECHAT)
    session.execute(
        LoginSession.__table__.update().values(last_seen_at=utcnow() - timedelta(hours=2))
    )
    session.commit()
    desk = _browser(app, WINDOWS_CHROME)
    page = desk.get("/account/security").text
    assert "WeChat" not in page
    assert "You are not signed in anywhere else." in page
    assert _rows(session) == 1


@pytest.mark.parametrize(
    ("agent", "hint"),
    [
        (WINDOWS_CHROME, "Chrome, Windows"),
        (ANDROID_WECHAT, "WeChat, Android"),
        ("Mozilla/5.0 (Windows NT 10.0) Chrome/120.0 Safari/537.36 Edg/120.0", "Edge, Windows"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1", "Safari, iPhone"),
        ("Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0", "Firefox, Linux"),
        ("curl/8.5.0", "curl/8.5.0"),
    ],
)
def test_device_hints_name_the_browser_and_system(agent, hint):
    assert device_hint(agent) == hint
