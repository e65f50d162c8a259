"""The sign-in throttle under real parallel load: gunicorn with 2 workers x 12 threads.

24 browsers send a wrong password for one account at the same instant. Exactly
LOGIN_MAX_FAILURES of them may be checked against the password; every other one is refused
without a check. On SQLite the write lock serialises sign-ins; on PostgreSQL only the
throttle's own row lock can, so this runs on both.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, build_opener, urlopen

import pytest
from sqlalchemy import func, select

from app.models import AuditEvent, LoginAttempt
from tests.conftest import csrf_from

ROOT = Path(__file__).resolve().parent.parent
BROWSERS = 24
MAX_FAILURES = 5
START_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(app, database_url: str, tmp_path: Path) -> Iterator[str]:  # noqa: ANN001
    """The app under gunicorn (2 workers x 12 threads) on 127.0.0.1, on the test database."""
    port = _free_port()
    env = {
        **os.environ,
        "ACADEMY_ENV": "testing",
        "TEST_DATABASE_URL": database_url,
        # Both workers must sign the same CSRF tokens: one key for the whole server.
        "SECRET_KEY": secrets.token_hex(32),
        "INSTANCE_DIR": str(tmp_path),
        "LOGIN_MAX_FAILURES": str(MAX_FAILURES),
    }
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "--threads", "12"]
            + ["-b", f"127.0.0.1:{port}", "app:create_app()"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            try:
                with urlopen(base + "/login", timeout=10) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:  # not listening yet, or a worker still starting
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wrong_password_at_once(base: str, start: threading.Barrier) -> int:
    """Open the sign-in page, wait for every other browser, then post a wrong password."""
    browser = build_opener(HTTPCookieProcessor(CookieJar()))
    with browser.open(base + "/login", timeout=30) as page:
        token = csrf_from(page.read().decode())
    form = urlencode({"username": "ann", "password": "not the password!", "csrf_token": token})
    start.wait(timeout=60)
    try:
        with browser.open(base + "/login", data=form.encode(), timeout=120) as response:
            return response.status
    except HTTPError as refused:
        return refused.code


@pytest.mark.slow
def test_parallel_wrong_passwords_check_only_the_allowed_number(server, make_user, session):
    make_user("ann")
    session.commit()  # the server is another process: it sees only what is committed
    start = threading.Barrier(BROWSERS)
    with ThreadPoolExecutor(BROWSERS) as pool:
        statuses = list(pool.map(lambda _: _wrong_password_at_once(server, start), range(BROWSERS)))

    # 200: the password was checked and was wrong; 429: refused without a check.
    assert Counter(statuses) == {200: MAX_FAILURES, 429: BROWSERS - MAX_FAILURES}
    checked = session.scalar(
        select(func.count(LoginAttempt.id)).where(LoginAttempt.username == "ann")
    )
    assert checked == MAX_FAILURES
    logged = Counter(
        session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("login%"))).all()
    )
    assert logged == {"login_failed": MAX_FAILURES, "login_throttled": BROWSERS - MAX_FAILURES}
