"""Administration pages: admins only, user search and editing, units and users uploads."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from app.models import AuditEvent, Unit, User
from tests import factories
from tests.conftest import Auth, csrf_from

UNITS_CSV = "code,name,parent_code\nPROV,省政府,\nCITY,City,PROV\n"
USERS_CSV = "username,full_name,email,unit_code,roles\nwang,王芳,,PROV,\nli,李明,,PROV,hr\n"


@pytest.fixture
def admin(client, make_user):  # noqa: ANN001, ANN201
    """Signed in as an administrator."""
    user = make_user("boss", roles={"admin"})
    Auth(client).login("boss")
    return user


def _admin_urls(app) -> list[tuple[str, str]]:  # noqa: ANN001
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin."):
            url = rule.rule.replace("<int:user_id>", "1")
            method = "GET" if "GET" in rule.methods else "POST"
            urls.append((method, url))
    return urls


def test_every_admin_page_is_a_404_for_signed_in_non_admins(
    app, client, auth, session, make_user
):
    unit = factories.unit(session, "CITY")
    make_user("ann", roles={"learner", "hr", "trainer"}, unit=unit)
    auth.login("ann")
    urls = _admin_urls(app)
    assert len(urls) >= 9
    for method, url in urls:
        response = client.open(url, method=method)
        # POSTs without a token are refused by CSRF first (400); none may reveal the page.
        assert response.status_code in ((404,) if method == "GET" else (400, 404)), url
        if method == "GET":
            assert response.status_code == 404


def test_every_admin_page_sends_visitors_to_sign_in(app, client):
    for method, url in _admin_urls(app):
        if method == "GET":
            response = client.get(url)
            assert response.status_code == 302, url
            assert response.headers["Location"].startswith("/login")


def test_navigation_shows_administration_to_admins_only(client, auth, admin, make_user):
    assert "Administration" in client.get("/").text
    make_user("ann")
    auth.logout()
    auth.login("ann")
    assert "Administration" not in client.get("/").text


def test_user_list_searches_and_paginates(client, session, admin):
    for i in range(60):
        factories.user(session, f"user{i:02d}", password=None, full_name=f"Person {i:02d}")
    factories.user(session, "wang", password=None, full_name="王芳")
    first = client.get("/admin/users")
    assert first.status_code == 200
    assert "62 users found" in first.text
    assert "Page 1 of 2" in first.text
    assert "user48" in first.text and "user49" not in first.text  # boss, user00..user48
    second = client.get("/admin/users?page=2")
    assert "user49" in second.text and "wang" in second.text
    found = client.get("/admin/users?q=王")
    assert "1 user found" in found.text and "wang" in found.text
    assert "1 user found" in client.get("/admin/users?q=PERSON+07").text


def _edit(client, user_id: int, **fields):  # noqa: ANN001, ANN202
    page = client.get(f"/admin/users/{user_id}")
    data = {"csrf_token": csrf_from(page.text), **fields}
    return client.post(f"/admin/users/{user_id}", data=data)


def test_role_and_unit_change_is_saved_and_audited(client, session, admin, make_user):
    unit = factories.unit(session, "CITY")
    ann = make_user("ann")
    response = _edit(
        client, ann.id, roles=["learner", "hr"], unit_code="CITY", active="y"
    )
    assert response.status_code == 302
    ann = session.get(User, ann.id)
    assert ann.role_names == {"learner", "hr"}
    assert ann.unit_id == unit.id
    event = session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "roles_changed", AuditEvent.actor_id == admin.id
        )
    )
    assert event.subject == "ann"
    assert event.details == {"before": ["learner"], "after": ["hr", "learner"]}


def test_deactivation_needs_confirmation_then_ends_sessions(app, client, session, admin, make_user):
    ann = make_user("ann")
    device = app.test_client()
    Auth(device).login("ann")
    stolen = device.get_cookie("academy_session").value

    refused = _edit(client, ann.id, roles=["learner"], unit_code="")
    assert refused.status_code == 422
    assert "confirm the deactivation" in refused.text
    assert session.get(User, ann.id).is_active

    done = _edit(client, ann.id, roles=["learner"], unit_code="", confirm_deactivate="y")
    assert done.status_code == 302
    assert not session.get(User, ann.id).is_active
    replay = app.test_client()
    replay.set_cookie("academy_session", stolen)
    assert replay.get("/").status_code == 302  # signed out everywhere
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "user_deactivated"))


def test_admin_cannot_remove_their_own_admin_role(client, session, admin):
    response = _edit(client, admin.id, roles=["learner"], unit_code="", active="y")
    assert response.status_code == 422
    assert session.get(User, admin.id).has_role("admin")


def test_reset_activation_code_shows_a_working_code_once(app, client, session, admin, make_user):
    ann = make_user("ann", password=None)
    page = client.get(f"/admin/users/{ann.id}")
    response = client.post(
        f"/admin/users/{ann.id}/activation-code",
        data={"csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    code = response.text.split("<code>")[1].split("</code>")[0]
    other = app.test_client()
    activate = other.get("/activate")
    done = other.post(
        "/activate",
        data={
            "csrf_token": csrf_from(activate.text),
            "username": "ann",
            "code": code,
            "new_password": "a long walk home",
            "confirm_password": "a long walk home",
        },
    )
    assert done.status_code == 302


def _upload(client, page_url: str, action: str, content: bytes):  # noqa: ANN001, ANN202
    page = client.get(page_url)
    return client.post(
        action,
        data={"csrf_token": csrf_from(page.text), "file": (io.BytesIO(content), "list.csv")},
        content_type="multipart/form-data",
    )


def _confirm(client, preview_html: str, action: str, **extra):  # noqa: ANN001, ANN202
    token = preview_html.split('name="upload" type="hidden" value="')[1].split('"')[0]
    return client.post(
        action, data={"csrf_token": csrf_from(preview_html), "upload": token, **extra}
    )


def test_units_upload_previews_and_writes_only_when_confirmed(client, session, admin):
    preview = _upload(
        client, "/admin/units", "/admin/units/import", UNITS_CSV.encode("gb18030")
    )
    assert preview.status_code == 200
    assert "2 to create, 0 to update, 0 unchanged" in preview.text
    assert session.scalar(select(func.count(Unit.id))) == 0

    done = _confirm(client, preview.text, "/admin/units/import/confirm")
    assert done.status_code == 302
    assert session.scalar(select(func.count(Unit.id))) == 2
    tree = client.get("/admin/units")
    assert "省政府" in tree.text and "depth-1" in tree.text


def test_units_upload_shows_errors_with_rows_and_writes_nothing(client, session, admin):
    response = _upload(
        client, "/admin/units", "/admin/units/import", b"code,name,parent_code\nA,,\nB,b,ZZ\n"
    )
    assert response.status_code == 422
    assert "Row 2:" in response.text and "Row 3:" in response.text
    assert session.scalar(select(func.count(Unit.id))) == 0


def test_unit_tree_counts_users_per_unit(client, session, admin):
    prov = factories.unit(session, "PROV")
    factories.user(session, "a", password=None, unit=prov)
    factories.user(session, "b", password=None, unit=prov)
    assert "2 users" in client.get("/admin/units").text


def test_users_upload_previews_then_imports_and_offers_codes_once(client, session, admin):
    factories.unit(session, "PROV")
    preview = _upload(
        client, "/admin/users/import", "/admin/users/import", USERS_CSV.encode("utf-8-sig")
    )
    assert preview.status_code == 200
    assert "2 to create" in preview.text
    assert session.scalar(select(func.count(User.id))) == 1  # only the admin

    done = _confirm(client, preview.text, "/admin/users/import/confirm")
    assert done.status_code == 200
    assert "2 created" in done.text
    assert session.scalar(select(func.count(User.id))) == 3
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "users_imported"))

    token = done.text.split('name="codes" type="hidden" value="')[1].split('"')[0]
    download = client.post(
        "/admin/users/import/codes.csv",
        data={"csrf_token": csrf_from(done.text), "codes": token},
    )
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    assert download.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert [r["username"] for r in rows] == ["wang", "li"]
    assert rows[0]["activation_code"] in done.text


def test_users_upload_shows_errors_before_anything_is_written(client, session, admin):
    response = _upload(
        client,
        "/admin/users/import",
        "/admin/users/import",
        b"username,full_name,email,unit_code,roles\nx,X,,NOPE,\n",
    )
    assert response.status_code == 422
    assert "Row 2:" in response.text and "NOPE" in response.text
    assert session.scalar(select(func.count(User.id))) == 1


def test_a_tampered_confirmation_is_refused(client, session, admin):
    page = client.get("/admin/units")
    response = client.post(
        "/admin/units/import/confirm",
        data={"csrf_token": csrf_from(page.text), "upload": "forged.token"},
    )
    assert response.status_code == 302
    assert session.scalar(select(func.count(Unit.id))) == 0
