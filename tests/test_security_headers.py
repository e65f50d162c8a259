"""Security headers on every response, whatever its status."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/login", "/", "/no-such-page", "/static/css/site.css"])
def test_headers_on_every_response(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    for directive in [
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]:
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_pages_carry_no_inline_script(client):
    page = client.get("/login").text
    assert "<script>" not in page
    assert " on" + "click=" not in page


def test_personal_pages_are_not_cached(client):
    assert client.get("/login").headers["Cache-Control"] == "no-store"
