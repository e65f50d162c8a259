"""A NUL character anywhere in a request is a 400 that says what to do, never a 500; in an
uploaded CSV it is an error of its row, as is a value far longer than any column."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.models import AuditEvent, Unit
from tests import factories
from tests.conftest import Auth, csrf_from

NUL_MESSAGE = "contains a NUL character"


@pytest.fixture
def admin(client, make_user):  # noqa: ANN001, ANN201
    """Signed in as an administrator."""
    user = make_user("boss", roles={"admin"})
    Auth(client).login("boss")
    return user


def test_signing_in_with_a_nul_in_the_username_is_a_400_with_a_message(client, session):
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"csrf_token": csrf_from(page.text), "username": "a\x00b", "password": "p" * 10},
    )
    assert response.status_code == 400
    assert NUL_MESSAGE in response.text
    assert session.scalar(select(func.count(AuditEvent.id))) == 0


def test_a_nul_in_a_form_field_name_is_a_400(client):
    page = client.get("/login")
    data = {"csrf_token": csrf_from(page.text), "username": "ann", "password": "p", "x\x00": "1"}
    response = client.post("/login", data=data)
    assert response.status_code == 400
    assert NUL_MESSAGE in response.text


def test_a_nul_in_an_upload_s_file_name_is_a_400(client, admin):
    page = client.get("/admin/units")
    response = client.post(
        "/admin/units/import",
        data={"csrf_token": csrf_from(page.text), "file": (io.BytesIO(b"a"), "a\x00.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert NUL_MESSAGE in response.text


@pytest.mark.parametrize(
    "url",
    [
        "/courses?q=a%00b",
        "/courses?q=ok&q=a%00b",
        "/courses?a%00=1",
        "/courses/a%00b",
        "/courses/a%00b/lessons/intro",
        "/no-such%00page",
    ],
)
def test_a_nul_in_the_address_is_a_400_with_a_message(client, auth, make_user, url):
    make_user("ann")
    auth.login("ann")
    response = client.get(url)
    assert response.status_code == 400
    assert NUL_MESSAGE in response.text


@pytest.mark.parametrize(
    "query",
    ["course=a%00b", "status=a%00b", "from=2026-01-01%00", "format=csv%00"],
)
def test_a_nul_in_a_report_filter_is_a_400(client, auth, session, make_user, query):
    unit = factories.unit(session, "CITY")
    make_user("hr", roles={"learner", "hr"}, unit=unit)
    auth.login("hr")
    assert client.get("/reports/units/CITY").status_code == 200
    for url in (f"/reports/units/CITY?{query}", f"/reports/units/CITY/learners?{query}"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert NUL_MESSAGE in response.text


def test_a_nul_in_a_report_path_is_a_400(client, auth, session, make_user):
    unit = factories.unit(session, "CITY")
    make_user("hr", roles={"learner", "hr"}, unit=unit)
    auth.login("hr")
    response = client.get("/reports/units/CI%00TY/learners")
    assert response.status_code == 400
    assert NUL_MESSAGE in response.text


def test_a_nul_in_a_json_body_is_a_400(client):
    body = '{"username": "a\\u0000b"}'
    response = client.post("/login", data=body, content_type="application/json")
    assert response.status_code == 400
    assert NUL_MESSAGE in response.text


def test_text_without_nul_still_works(client, auth, make_user):
    make_user("ann")
    auth.login("ann")
    assert client.get("/courses?q=%E6%95%B0%E6%8D%AE%25").status_code == 200


# --- CSV uploads --------------------------------------------------------------------------


def _upload(client, content: bytes):  # noqa: ANN001, ANN202
    page = client.get("/admin/units")
    return client.post(
        "/admin/units/import",
        data={"csrf_token": csrf_from(page.text), "file": (io.BytesIO(content), "list.csv")},
        content_type="multipart/form-data",
    )


def test_a_nul_in_an_uploaded_csv_is_an_error_of_its_row(client, session, admin):
    response = _upload(client, b"code,name,parent_code\nA,Alpha,\nB,Be\x00ta,\n")
    assert response.status_code == 422
    assert "Row 3:" in response.text and NUL_MESSAGE in response.text
    assert "Row 2:" not in response.text
    assert session.scalar(select(func.count(Unit.id))) == 0


@pytest.mark.parametrize("length", [1001, 200_000])
def test_a_csv_value_longer_than_any_column_is_an_error_of_its_row(
    client, session, admin, length
):
    content = f"code,name,parent_code\nA,Alpha,\nB,Beta,\nC,{'x' * length},\n".encode()
    response = _upload(client, content)
    assert response.status_code == 422
    assert "Row 4:" in response.text and "longer than 1,000 characters" in response.text
    assert session.scalar(select(func.count(Unit.id))) == 0


def test_the_users_import_command_reports_a_huge_field_with_its_row(runner, session, tmp_path):
    path = tmp_path / "users.csv"
    path.write_text(f"username,full_name,email,unit_code,roles\nann,{'x' * 200_000},,,\n")
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code != 0
    assert f"{path}:2: A value in this row is longer than 1,000 characters" in result.output
