"""The `flask --app app ...` commands of the foundation."""

from __future__ import annotations

from sqlalchemy import select

from app.models import Assignment, Course, Unit, User


def test_users_create_with_roles_and_unit(runner, session):
    from tests import factories

    factories.unit(session, "BUREAU")
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Wang.Fang",
            "--role",
            "trainer",
            "--role",
            "hr",
            "--unit",
            "BUREAU",
            "--full-name",
            "王芳",
            "--password",
            "a long walk home",
        ]
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.username == "wang.fang"))
    assert user.full_name == "王芳"
    assert user.role_names == {"trainer", "hr"}
    assert user.unit.code == "BUREAU"


def test_users_create_prompts_for_the_password(runner, session):
    result = runner.invoke(
        args=["users", "create", "ann"], input="a long walk home\na long walk home\n"
    )
    assert result.exit_code == 0, result.output
    assert "a long walk home" not in result.output  # not echoed
    assert session.scalar(select(User.password_hash).where(User.username == "ann"))


def test_users_create_refuses_a_weak_password(runner):
    result = runner.invoke(args=["users", "create", "ann", "--password", "password"])
    assert result.exit_code != 0
    assert "commonly used" in result.output


def test_users_create_refuses_an_unknown_unit(runner):
    result = runner.invoke(
        args=["users", "create", "ann", "--unit", "NOPE", "--password", "a long walk home"]
    )
    assert result.exit_code != 0
    assert "NOPE" in result.output


def _demo_rows(session) -> dict[str, list[tuple]]:  # noqa: ANN001
    """What `demo` writes, row by row, in a form two runs can be compared in."""
    return {
        "users": session.execute(select(User.id, User.username).order_by(User.id)).all(),
        "units": session.execute(select(Unit.id, Unit.code).order_by(Unit.id)).all(),
        "courses": session.execute(select(Course.slug, Course.version).order_by(Course.slug)).all(),
        "assignments": session.execute(
            select(Assignment.unit_id, Assignment.course_id).order_by(Assignment.id)
        ).all(),
    }


def test_demo_is_idempotent_and_prints_passwords(app, runner, session):
    app.config["ENV_NAME"] = "development"
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    created = _demo_rows(session)
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert "learn-digital-2026" in second.output
    assert _demo_rows(session) == created  # nothing added, nothing changed
    assert [name for _id, name in created["users"]] == ["learner", "trainer", "hr", "admin"]
    assert [code for _id, code in created["units"]] == [
        "PROV",
        "PROV-DATA",
        "CITY-A",
        "CITY-A-HR",
        "COUNTY-A1",
        "CITY-B",
    ]
    assert len(created["assignments"]) == 2
    county = session.scalar(select(Unit).where(Unit.code == "COUNTY-A1"))
    assert county.path.count("/") == 4  # /PROV/CITY-A/COUNTY-A1/


def test_demo_accounts_can_sign_in(app, runner, auth):
    app.config["ENV_NAME"] = "development"
    runner.invoke(args=["demo"])
    assert auth.login("hr", "report-digital-2026").status_code == 302


def test_demo_refuses_to_run_in_production(app, runner):
    app.config["ENV_NAME"] = "production"
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0
    assert "development" in result.output
