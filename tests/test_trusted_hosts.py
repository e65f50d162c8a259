"""A forged Host header never reaches a page, a redirect or a link (TRUSTED_HOSTS)."""

from __future__ import annotations

from tests.conftest import csrf_from
from tests.factories import PASSWORD


def test_a_host_outside_trusted_hosts_is_refused_with_400(app, client):
    app.config["TRUSTED_HOSTS"] = ["academy.example"]
    response = client.get("/account/password", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "evil.example" not in (response.headers.get("Location") or "")


def test_a_trusted_host_is_served_and_redirects_stay_on_it(app, client):
    app.config["TRUSTED_HOSTS"] = ["academy.example"]
    response = client.get("/account/password", headers={"Host": "academy.example"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_leading_dot_trusts_subdomains(app, client):
    app.config["TRUSTED_HOSTS"] = [".gov.example"]
    assert client.get("/login", headers={"Host": "academy.gov.example"}).status_code == 200
    assert client.get("/login", headers={"Host": "gov.example.evil"}).status_code == 400


def test_production_cookie_name_is_sent_with_the_host_prefix(app, make_user):
    app.config.update(SESSION_COOKIE_NAME="__Host-academy_session", SESSION_COOKIE_SECURE=True)
    make_user("ann")
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost")
    response = client.post(
        "/login",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
        data={"username": "ann", "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    cookie = next(
        header
        for header in response.headers.getlist("Set-Cookie")
        if header.startswith("__Host-academy_session=")
    )
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    assert client.get("/", base_url="https://localhost").status_code == 200
