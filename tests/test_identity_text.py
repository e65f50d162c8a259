"""Usernames and names cannot look like someone else's: normalised, no hidden characters."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth import services
from app.auth.identity_text import hidden_characters, normalise_username
from app.models import User
from tests import factories
from tests.factories import PASSWORD


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("Admin", "admin"), ("ＡＤＭＩＮ", "admin"), ("  ann ", "ann"), ("STRASSE", "strasse"),
     ("Straße", "strasse")],
)
def test_usernames_are_normalised_with_nfkc_and_case_folding(typed, stored):
    assert normalise_username(typed) == stored


@pytest.mark.parametrize(
    "text",
    ["adm\u200bin", "\ufeffadmin", "admin\u202e", "ad\u2066min\u2069", "ad\x00min", "a\u200db"],
)
def test_invisible_and_bidi_characters_are_found(text):
    assert hidden_characters(text)


def test_ordinary_chinese_and_latin_names_have_no_hidden_characters():
    assert hidden_characters("Zhang Wei / 张伟 · Anne-Marie O'Neill") == []


@pytest.mark.parametrize("username", ["adm\u200bin", "\u202eadmin", "ad\x00min", "ad min"])
def test_create_user_refuses_a_look_alike_username(session, username):
    with pytest.raises(services.AccountError, match="username"):
        services.create_user(
            session, username, full_name="Mallory", password=PASSWORD, roles={"admin"}
        )
    assert session.scalar(select(User.id)) is None


def test_create_user_refuses_a_name_with_a_direction_override(session):
    with pytest.raises(services.AccountError, match="U\\+202E"):
        services.create_user(
            session, "mallory", full_name="\u202egnahZ", password=PASSWORD, roles={"learner"}
        )


def test_a_full_width_username_signs_in_as_the_same_account(client, auth, make_user):
    make_user("admin")
    response = auth.login("ＡＤＭＩＮ")
    assert response.status_code == 302


def test_users_import_reports_hidden_characters_with_the_row(runner, session, tmp_path):
    factories.unit(session, "CITY")
    path = tmp_path / "users.csv"
    path.write_text(
        "username,full_name,email,unit_code,roles\n"
        "ok,Okay,,CITY,\n"
        "adm\u200bin,Mallory,,CITY,admin\n"
        "eve,\u202eEve,,CITY,\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith(f"{path}:")]
    assert [int(line.split(":")[1]) for line in lines] == [3, 4]
    assert "U+200B" in lines[0] and "U+202E" in lines[1]
    assert session.scalar(select(User.id)) is None
