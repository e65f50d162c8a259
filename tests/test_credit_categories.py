"""Cadre categories: set by the users CSV (an optional column), the admin page and the CLI;
each learner's own yearly target on the dashboard, /me/credits and the learner record."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import AuditEvent, User
from config import parse_credit_categories
from tests import factories
from tests.conftest import Auth, csrf_from

OLD_HEADER = "username,full_name,email,unit_code,roles\n"


@pytest.fixture
def targets(app):
    """Two categories with their own targets beside the default of 50."""
    app.config["CREDIT_CATEGORIES"] = {"县处级": 40.0, "一般干部": 60.0}


@pytest.fixture
def city(session):  # noqa: ANN001, ANN201
    return factories.unit(session, "CITY")


def _import(runner, tmp_path, text: str):  # noqa: ANN001, ANN202
    path = tmp_path / "users.csv"
    path.write_text(text, encoding="utf-8")
    return runner.invoke(args=["users", "import", str(path)])


def _category(session, username: str) -> str | None:  # noqa: ANN001
    return session.scalar(select(User.category).where(User.username == username))


def test_the_categories_setting_gives_each_its_target():
    assert parse_credit_categories("厅局级=40, 县处级, 一般干部=60.5", 50) == {
        "厅局级": 40.0,
        "县处级": 50.0,
        "一般干部": 60.5,
    }
    for wrong in ("厅局级=x", "厅局级=-1", "a,a", "=3"):
        with pytest.raises(RuntimeError):
            parse_credit_categories(wrong, 50)


def test_a_users_file_without_the_category_column_imports_as_before(
    runner, session, tmp_path, city, targets
):
    factories.user(session, "li", unit=city).category = "县处级"
    result = _import(runner, tmp_path, OLD_HEADER + "wang,王芳,,CITY,\nli,Li,,CITY,\n")
    assert result.exit_code == 0, result.output
    assert "1 created, 0 updated, 1 unchanged" in result.output
    assert (_category(session, "wang"), _category(session, "li")) == (None, "县处级")


def test_a_users_file_with_a_category_column_sets_it(runner, session, tmp_path, city, targets):
    factories.user(session, "li", unit=city).category = "县处级"
    factories.user(session, "zhao", unit=city).category = "县处级"
    text = (
        "username,full_name,email,unit_code,roles,category\n"
        "wang,王芳,,CITY,,一般干部\nli,Li,,CITY,,一般干部\nzhao,Zhao,,CITY,,\n"
    )
    result = _import(runner, tmp_path, text)
    assert result.exit_code == 0, result.output
    # An empty cell keeps the category, as an empty roles cell keeps the roles.
    assert [_category(session, name) for name in ("wang", "li", "zhao")] == [
        "一般干部",
        "一般干部",
        "县处级",
    ]


def test_an_unknown_category_is_an_error_of_its_row_and_nothing_is_written(
    runner, session, tmp_path, city, targets
):
    text = "username,full_name,email,unit_code,roles,category\nwang,王芳,,CITY,,部长级\n"
    result = _import(runner, tmp_path, text)
    assert result.exit_code == 1
    assert ":2: " in result.output and "Unknown category 部长级: use one of 县处级, 一般干部" in (
        result.output
    )
    assert session.scalar(select(User).where(User.username == "wang")) is None


def test_each_learner_sees_their_own_target(app, session, city, targets):
    factories.user(session, "ann", unit=city).category = "县处级"
    factories.user(session, "bob", unit=city).category = "一般干部"
    factories.user(session, "cao", unit=city)
    seen = {}
    for name in ("ann", "bob", "cao"):
        browser = app.test_client()
        Auth(browser).login(name)
        seen[name] = browser.get("/").text
        assert "credit hours" in browser.get("/me/credits").text
    assert "0 of 40 credit hours" in seen["ann"]
    assert "0 of 60 credit hours" in seen["bob"]
    assert "0 of 50 credit hours" in seen["cao"]
    hr = app.test_client()
    factories.user(session, "hana", roles={"hr"}, unit=city)
    Auth(hr).login("hana")
    record = hr.get("/reports/units/CITY/learners/ann").text
    assert "Category: 县处级." in record and "Yearly target: 40 credit hours." in record


def test_the_admin_page_sets_a_category_and_audits_it(client, session, city, targets):
    factories.user(session, "boss", roles={"admin"})
    ann = factories.user(session, "ann", unit=city)
    Auth(client).login("boss")
    page = client.get(f"/admin/users/{ann.id}").text
    assert '<option value="县处级">县处级</option>' in page
    data = {"csrf_token": csrf_from(page), "roles": ["learner"], "unit_code": "CITY",
            "active": "y", "category": "县处级"}
    assert client.post(f"/admin/users/{ann.id}", data=data).status_code == 302
    assert _category(session, "ann") == "县处级"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "user_category_changed"))
    assert (event.subject, event.details) == ("ann", {"before": None, "after": "县处级"})
    data["category"] = "部长级"
    refused = client.post(f"/admin/users/{ann.id}", data=data)
    assert refused.status_code == 422 and "Unknown category 部长级" in refused.text
    assert _category(session, "ann") == "县处级"


def test_the_cli_sets_and_removes_a_category(runner, session, city, targets):
    factories.user(session, "ann", unit=city)
    result = runner.invoke(args=["credits", "set-category", "ANN", "一般干部"])
    assert result.exit_code == 0, result.output
    assert "category 一般干部 (changed), target 60 h" in result.output
    assert _category(session, "ann") == "一般干部"
    wrong = runner.invoke(args=["credits", "set-category", "ann", "部长级"])
    assert wrong.exit_code == 1 and "Unknown category" in wrong.output
    assert _category(session, "ann") == "一般干部"
    assert runner.invoke(args=["credits", "set-category", "ann"]).exit_code == 0
    assert _category(session, "ann") is None
