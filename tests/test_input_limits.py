"""Request size limits: a form's size and number of fields, larger only for the CSV uploads."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.models import Unit
from tests.conftest import Auth, csrf_from


@pytest.fixture
def admin(client, make_user):  # noqa: ANN001, ANN201
    """Signed in as an administrator."""
    user = make_user("boss", roles={"admin"})
    Auth(client).login("boss")
    return user


def _login_form(client) -> dict[str, str]:  # noqa: ANN001
    return {"csrf_token": csrf_from(client.get("/login").text), "username": "ann"}


def test_a_form_of_100000_fields_is_refused_with_413(client):
    data = _login_form(client)
    body = "&".join(f"f{i}=x" for i in range(100_000))
    body += f"&csrf_token={data['csrf_token']}&username=ann&password=p"
    response = client.post(
        "/login", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert "Too much at once" in response.text


def test_a_form_just_under_the_field_limit_is_read(app, client):
    data = _login_form(client)
    fields = [f"f{i}=x" for i in range(app.config["MAX_FORM_PARTS"] - 3)]
    body = "&".join([*fields, f"csrf_token={data['csrf_token']}", "username=ann", "password=p"])
    response = client.post(
        "/login", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200  # the sign-in form again: no such account
    assert "Too much at once" not in response.text


@pytest.mark.parametrize("content_type", ["urlencoded", "multipart"])
def test_a_30_mb_form_is_refused_with_a_page_saying_the_limit(client, content_type):
    data = {**_login_form(client), "password": "p" * (30 * 1024 * 1024)}
    kwargs = {"content_type": "multipart/form-data"} if content_type == "multipart" else {}
    response = client.post("/login", data=data, **kwargs)
    assert response.status_code == 413
    assert "at most 1 MB" in response.text


def test_a_multipart_field_over_the_form_memory_size_is_refused(client):
    data = {**_login_form(client), "password": "p" * 600_000}
    response = client.post("/login", data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "What you sent is more than this page accepts." in response.text


def _upload(client, content: bytes):  # noqa: ANN001, ANN202
    page = client.get("/admin/units")
    return client.post(
        "/admin/units/import",
        data={"csrf_token": csrf_from(page.text), "file": (io.BytesIO(content), "list.csv")},
        content_type="multipart/form-data",
    )


def test_the_units_upload_takes_a_file_over_the_app_wide_limit(client, session, admin):
    rows = "".join(f"U{i},{'Unit name ' * 6}{i},\n" for i in range(20_000))
    content = ("code,name,parent_code\n" + rows).encode()
    assert 1024 * 1024 < len(content) < 5 * 1024 * 1024
    response = _upload(client, content)
    assert response.status_code == 200
    assert "20000 to create" in response.text
    assert session.scalar(select(func.count(Unit.id))) == 0


def test_a_file_over_the_upload_limit_is_refused_with_a_page_saying_the_limit(client, admin):
    response = _upload(client, b"code,name,parent_code\n" + b"x" * (17 * 1024 * 1024))
    assert response.status_code == 413
    assert "at most 16 MB" in response.text


def test_the_413_page_is_translated(client):
    data = {**_login_form(client), "password": "p" * (2 * 1024 * 1024)}
    response = client.post("/login", data=data, headers={"Accept-Language": "zh"})
    assert response.status_code == 413
    assert "一次发送的内容太多" in response.text
