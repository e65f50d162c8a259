"""Browser-test fixtures: the app served over real HTTP, and headless Chromium driving it.

Chromium is Debian's (`apt-get install chromium`), never Playwright's own download. Without it
every test here is skipped with that advice, unless ACADEMY_REQUIRE_BROWSER=1 (CI sets it): then
a missing browser is a failure, so CI can never go green by skipping the browser tests silently.

Fixtures: `live_server` (base URL), `browser` (one Chromium per run), `page` (a fresh context at
1280x800, en-US), `new_page(locale=..., viewport=...)` for other languages and screen sizes.
The live server sees only committed data and no test client commits for it: `make_user` here
commits, and a test that arranges anything else in `session` commits before opening a page.
Helpers (login, axe_violations, horizontal_overflow, page_weight...) live in
tests/browser/__init__.py.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from app.models import User

HERE = Path(__file__).resolve().parent
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP_VIEWPORT = {"width": 1280, "height": 800}
# Long enough for a slow CI machine, short enough that a broken page fails in seconds, not 30.
TIMEOUT_MS = 10_000


def _chromium_path() -> str | None:
    if os.access(DEFAULT_CHROMIUM, os.X_OK):
        return DEFAULT_CHROMIUM
    return shutil.which("chromium")


def _missing_requirement() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if _chromium_path() is None:
        return "Chromium not installed: apt-get install chromium"
    return None


def _browser_required() -> bool:
    return os.environ.get("ACADEMY_REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder `browser`; skip them all when the browser is missing.

    This hook sees the whole run's items, so it only touches those collected from this folder.
    """
    missing = _missing_requirement()
    for item in items:
        if HERE not in item.path.parents:
            continue
        item.add_marker(pytest.mark.browser)
        if missing and not _browser_required():
            item.add_marker(pytest.mark.skip(reason=missing))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole run; each test gets its own context from it."""
    missing = _missing_requirement()
    if missing:
        # Only reached with ACADEMY_REQUIRE_BROWSER=1: the collection hook skipped otherwise.
        pytest.fail(f"ACADEMY_REQUIRE_BROWSER=1 but {missing}", pytrace=False)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=_chromium_path(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def make_user(make_user: Callable[..., User], session: Session) -> Callable[..., User]:
    """The shared `make_user`, then a commit: the live server answers the browser in threads
    and connections of its own, and no test client stands in between to commit first."""

    def _make(username: str = "ann", **kwargs: Any) -> User:
        user = make_user(username, **kwargs)
        session.commit()
        return user

    return _make


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app under test served over HTTP on 127.0.0.1 at a free port; yields the base URL.

    Threaded, because a browser opens several connections at once (page, stylesheet...). It
    shares the `app` fixture's test database, which that fixture empties after the test.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # A short poll interval so that shutdown() returns at once instead of after half a second.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def new_page(browser: Browser, live_server: str) -> Iterator[Callable[..., Page]]:
    """Open pages in fresh browser contexts: `new_page(locale="zh-CN", viewport={...})`.

    Each call gets its own context (cookies, cache), so two calls are two different people.
    Depending on `live_server` makes the contexts close before the server stops. The context's
    base_url is the live server, so `page.goto("/login")` works. Extra keyword arguments go to
    `browser.new_context`.
    """
    contexts: list[BrowserContext] = []

    def _open(
        locale: str = "en-US", viewport: dict[str, int] | None = None, **options: Any
    ) -> Page:
        context = browser.new_context(
            base_url=live_server,
            locale=locale,
            viewport=viewport or DESKTOP_VIEWPORT,
            **options,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A fresh page in its own context: 1280x800, en-US, pointed at the live server."""
    return new_page()
