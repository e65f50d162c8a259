"""Both languages: chosen by the header switch, else from Accept-Language."""

from __future__ import annotations

from tests.conftest import csrf_from


def test_english_by_default(client):
    page = client.get("/login")
    assert '<html lang="en">' in page.text
    assert "Sign in" in page.text


def test_chinese_from_accept_language(client):
    page = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert '<html lang="zh-Hans">' in page.text
    assert "登录" in page.text
    assert "Sign in" not in page.text


def test_switch_sticks_and_overrides_the_browser(client):
    page = client.get("/login")
    response = client.post(
        "/language/zh", data={"csrf_token": csrf_from(page.text), "next": "/login"}
    )
    assert response.headers["Location"] == "/login"
    assert "登录" in client.get("/login", headers={"Accept-Language": "en"}).text


def test_switch_refuses_foreign_next(client):
    page = client.get("/login")
    response = client.post(
        "/language/en", data={"csrf_token": csrf_from(page.text), "next": "//evil.example"}
    )
    assert response.headers["Location"] == "/"


def test_unknown_language_is_404(client):
    page = client.get("/login")
    assert client.post("/language/fr", data={"csrf_token": csrf_from(page.text)}).status_code == 404


def test_chinese_survives_sign_in(client, auth, make_user):
    make_user("ann", full_name="李明")
    page = client.get("/login")
    client.post("/language/zh", data={"csrf_token": csrf_from(page.text), "next": "/"})
    auth.login("ann")
    home = client.get("/")
    assert "欢迎" in home.text
    assert "李明" in home.text


def test_error_pages_are_translated(client):
    page = client.get("/missing", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 404
    assert "找不到" in page.text


def test_form_field_messages_follow_the_language(client):
    for language, text in (("en", "This field is required."), ("zh-CN", "该字段是必填字段。")):
        page = client.get("/login", headers={"Accept-Language": language})
        response = client.post(
            "/login",
            data={"csrf_token": csrf_from(page.text), "username": "", "password": ""},
            headers={"Accept-Language": language},
        )
        assert text in response.text
