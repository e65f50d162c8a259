"""Password hashing and policy (OWASP ASVS level 2)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type, extract_parameters
from sqlalchemy import select

from app.auth.passwords import common_passwords, hash_password, password_problems
from app.models import User


def test_hash_is_argon2id_with_at_least_owasp_parameters():
    encoded = hash_password("a long enough secret")
    assert encoded.startswith("$argon2id$")
    params = dict(p.split("=") for p in encoded.split("$")[3].split(","))
    assert int(params["m"]) >= 19 * 1024
    assert int(params["t"]) >= 2


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("short", False),
        ("1234567", False),
        ("eight ch", True),
        ("password", False),
        ("PASSWORD", False),
        ("12345678", False),
        ("qwertyuiop", False),
        ("woaini1314", False),
        ("a" * 64, True),
        ("x" * 128, True),
        ("x" * 129, False),
        ("学习数字政府建设", True),  # eight characters, not eight bytes
        ("学习数字政府", False),
        ("no rules at all here", True),
    ],
)
def test_policy(password, ok):
    assert (password_problems(password) == []) is ok


def test_password_equal_to_username_is_refused():
    assert password_problems("ann.lee.2026", "Ann.Lee.2026")


def test_common_list_has_a_few_thousand_entries():
    assert len(common_passwords()) >= 3000


def test_long_passwords_are_not_truncated(app, auth, make_user):
    long = "w" * 100 + "A"
    make_user("ann", password=long)
    assert auth.login("ann", "w" * 100 + "B").status_code == 200  # refused: different at the end
    assert auth.login("ann", long).status_code == 302


def test_outdated_hash_is_upgraded_at_login(auth, make_user, session):
    user = make_user("ann")
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1, type=Type.ID)
    user.password_hash = weak.hash("correct horse battery")
    assert auth.login("ann").status_code == 302
    stored = session.scalar(select(User.password_hash).where(User.username == "ann"))
    assert "m=19456,t=2" in stored
    assert extract_parameters(stored).type is Type.ID  # the upgraded hash is still argon2id


def test_change_password_enforces_policy_with_a_reason(client, auth, make_user):
    from tests.conftest import csrf_from

    make_user("ann")
    auth.login("ann")
    page = client.get("/account/password")
    response = client.post(
        "/account/password",
        data={
            "csrf_token": csrf_from(page.text),
            "current_password": "correct horse battery",
            "new_password": "password1",
            "confirm_password": "password1",
        },
    )
    assert response.status_code == 422
    assert "commonly used" in response.text


def test_change_password_needs_the_current_one(client, auth, make_user):
    from tests.conftest import csrf_from

    make_user("ann")
    auth.login("ann")
    page = client.get("/account/password")
    response = client.post(
        "/account/password",
        data={
            "csrf_token": csrf_from(page.text),
            "current_password": "not my password",
            "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase",
        },
    )
    assert response.status_code == 422
    assert "current password is not right" in response.text


@pytest.mark.parametrize(
    "password",
    ["Academy-2026", "digital-academy", "ann.lee2026!", "Ann Lee 1990", "AnnLee#2026", "李安娜2026",
     "数字学院2026", "Admin-Digital-2026", "welcome-welcome-1"],
)
def test_passwords_made_of_site_or_own_words_are_refused(password):
    problems = password_problems(password, "ann.lee", "Ann Lee / 李安娜")
    assert any("site's name or your own name" in problem for problem in problems)


@pytest.mark.parametrize(
    "password",
    ["academy blue river 7", "digital-cabbage-2026", "learn-digital-2026", "annual review day"],
)
def test_passwords_with_other_words_besides_site_words_are_accepted(password):
    assert password_problems(password, "ann.lee", "Ann Lee / 李安娜") == []
