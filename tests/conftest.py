"""Fixtures: an app on a migrated test database, a client, a CLI runner, factories, sign-in.

The database is TEST_DATABASE_URL when set (CI sets PostgreSQL), else a SQLite file in a
temporary folder. It is emptied and migrated once per run; each test leaves it empty.

A test arranges data in its `session`; factories only flush. Requests made with any
`app.test_client()`, commands run with `app.test_cli_runner()`, and `sync_course` work in sessions
of their own and see only committed rows, so each first commits the test's session (see
`share_arranged_data`). `count_queries` counts the SQL statements a block runs (N+1 queries).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from app import create_app, migrations
from app.db import Base, db
from config import TestingConfig
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
# Where the `session` fixture leaves the test's session for the client and the runner to find.
ARRANGED_SESSION = "tests.arranged_session"
# Not queries a page asks for; and SQLite sends BEGIN as a statement where PostgreSQL does not.
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An empty database migrated to head, for the whole run."""
    url = os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    )
    engine = create_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    from app.db import make_engine

    migrating = make_engine(url)
    migrations.upgrade(migrating)
    migrating.dispose()
    return url


# Settings the migrations write, which every later write needs (the month offset of 0019).
KEPT_TABLES = frozenset({"report_settings"})


def _empty_all_tables(session: Session) -> None:
    tables = [t for t in Base.metadata.sorted_tables if t.name not in KEPT_TABLES]
    if session.bind.dialect.name == "postgresql":
        names = ", ".join(t.name for t in tables)
        # A browser test's page may still send a heartbeat while the test ends; its request and
        # the TRUNCATE can deadlock, and PostgreSQL then cancels one of them. The request's
        # failure does not matter any more; the emptying is tried again.
        for attempt in range(3):
            try:
                # A response left unread keeps its transaction open: fail loudly, not hang.
                session.execute(text("SET lock_timeout = '20s'"))
                session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                break
            except DBAPIError as error:
                session.rollback()
                if "deadlock" not in str(error.orig) or attempt == 2:
                    raise
    else:
        for table in reversed(tables):
            session.execute(table.delete())
    session.commit()


def share_arranged_data(app: Flask) -> None:
    """Commit the test's `session` so that code running in its own session sees what the test
    arranged, and expire its objects so that the test's next read sees what that code wrote."""
    session = app.extensions.get(ARRANGED_SESSION)
    if session is not None:
        session.commit()
        session.expire_all()


class ArrangedDataClient(FlaskClient):
    """The test client: each request first shares what the test arranged (see above)."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        share_arranged_data(self.application)
        return super().open(*args, **kwargs)


class ArrangedDataCliRunner(FlaskCliRunner):
    """The CLI runner: each command first shares what the test arranged (see above)."""

    def invoke(self, cli: Any = None, args: Any = None, **kwargs: Any) -> Result:
        share_arranged_data(self.app)
        return super().invoke(cli, args, **kwargs)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app under test, with CSRF on, on the shared test database.

    `app.test_client()` and `app.test_cli_runner()` commit the test's `session` before each
    request or command.
    """
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url
    config.COURSES_DIR = str(ROOT / "courses")
    config.INSTANCE_DIR = str(tmp_path)
    application = create_app(config)
    application.test_client_class = ArrangedDataClient
    application.test_cli_runner_class = ArrangedDataCliRunner
    yield application
    session = db.new_session()
    try:
        _empty_all_tables(session)
    finally:
        session.close()
    db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser without cookies; each request first commits the test's `session`."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Runs `flask --app app ...` commands; each first commits the test's `session`."""
    return app.test_cli_runner()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A database session for arranging and checking data.

    Factories only flush into it. Every request of a test client, every `runner.invoke` and
    every `sync_course` first commits it, so they see what the test arranged, and expires its
    objects, so the test's next read (a new transaction) sees what they wrote. Anything else
    that runs in its own session (a `db.new_session()` of the test's, other processes, the live
    server of the browser tests) sees the arranged data only after an explicit `commit()`.

    No app context is kept pushed: requests made during the test must each get their own. It
    starts as a reader, so an open read never blocks the app's writers on SQLite.
    """
    s = db.new_session(write=False)
    app.extensions[ARRANGED_SESSION] = s
    try:
        yield s
    finally:
        app.extensions.pop(ARRANGED_SESSION, None)
        s.close()


@pytest.fixture
def make_user(session: Session):  # noqa: ANN201
    """Create a user and flush it: make_user("ann", roles={"learner"}, unit=None).

    Like every factory it does not commit: the next request or command does (see `session`).
    """

    def _make(username: str = "ann", **kwargs: object):  # noqa: ANN202
        return factories.user(session, username, **kwargs)

    return _make


class QueryCount:
    """The SQL statements run on the app's engine inside one `count_queries()` block."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        """How many statements ran, transaction control left out."""
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Callable[[], AbstractContextManager[QueryCount]]:
    """Count the SQL statements run inside a `with` block, to catch N+1 queries creeping in:

        with count_queries() as queries:
            client.get("/courses")
        assert queries.count <= 6, queries.statements

    It counts every statement the app's engine sends (requests, commands, the test's own
    reads), except BEGIN, COMMIT, ROLLBACK and savepoints. Read a streamed response inside the
    block: its queries run while it streams.
    """

    @contextmanager
    def _count() -> Iterator[QueryCount]:
        queries = QueryCount()

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
                queries.statements.append(statement)

        engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield queries
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return _count


CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_from(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


class Auth:
    """Signs a test client in and out through the real forms."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, username: str = "ann", password: str = factories.PASSWORD, next_: str = ""):  # noqa: ANN201
        page = self.client.get("/login")
        data = {"username": username, "password": password, "csrf_token": csrf_from(page.text)}
        if next_:
            data["next"] = next_
        return self.client.post("/login", data=data)

    def verify(self, code: str):  # noqa: ANN201
        """The second sign-in step: a code from the app, or a recovery code."""
        page = self.client.get("/login/verify")
        data = {"code": code, "csrf_token": csrf_from(page.text)}
        return self.client.post("/login/verify", data=data)

    def logout(self):  # noqa: ANN201
        page = self.client.get("/account/security")
        return self.client.post("/logout", data={"csrf_token": csrf_from(page.text)})


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    """Sign-in helper bound to `client`."""
    return Auth(client)


class Authenticator:
    """A user's confirmed authenticator app, as the tests hold it: its secret and the ten
    recovery codes shown at enrolment."""

    def __init__(self, secret: str, recovery_codes: list[str]) -> None:
        self.secret = secret
        self.recovery_codes = recovery_codes

    def code(self, steps_ahead: int = 0) -> str:
        """The code the app shows now (or `steps_ahead` 30-second steps from now)."""
        import pyotp

        from app.auth.totp import time_step

        return pyotp.TOTP(self.secret).generate_otp(time_step() + steps_ahead)


@pytest.fixture
def make_authenticator(app: Flask, session: Session):  # noqa: ANN201
    """Give a user a confirmed authenticator and recovery codes (flushed, like a factory):
    `make_authenticator(user).code()` is the code the app shows now."""
    from app.auth import totp
    from app.models.types import utcnow

    def _make(user: Any) -> Authenticator:
        with app.app_context():
            credential = totp.new_credential(session, user)
            credential.confirmed_at = utcnow()
            secret = totp.open_secret(credential)
            codes = totp.replace_recovery_codes(session, user)
        assert secret is not None
        return Authenticator(secret, codes)

    return _make


@pytest.fixture
def sync_course(app: Flask, tmp_path: Path):  # noqa: ANN201
    """Write a course folder from {relative path: text} and import it; returns its folder.

    `sync_course(files)` fails the test if the checker reports any error. Like a request, it
    first commits the test's `session`.
    """
    from app.content.check import check_paths
    from app.content.sync import sync_and_refresh

    def _sync(files: dict[str, str], folder: str = "course") -> Path:
        root = tmp_path / "courses" / folder
        if root.exists():
            shutil.rmtree(root)  # the folder holds exactly `files`, as a trainer's edit would
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        report = check_paths([root])
        errors = [p for p in report.problems if p.severity == "error"]
        assert not errors, errors
        share_arranged_data(app)
        writer = db.new_session()
        try:
            for course in report.courses:
                sync_and_refresh(writer, course)
            writer.commit()
        finally:
            writer.close()
        return root

    return _sync
