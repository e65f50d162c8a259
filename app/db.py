"""Database wiring: declarative base, engine set-up per dialect, one session per request.

Views get the request's session from `db.session` and never commit it: the request is the
transaction. When the view's response has a status below 400 it is committed; an error
status rolls it back, and so does an exception (the teardown closes the session, discarding
whatever was not committed). Services receive the session as an argument.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, g, has_request_context, request
from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from werkzeug.wrappers import Response

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 15_000
_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

F = TypeVar("F", bound=Callable[..., Any])


class Base(DeclarativeBase):
    """Base class of every model; constraint names are stable so migrations can refer to them."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str, echo: bool = False) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and explicit BEGINs."""
    if not url.startswith("sqlite"):
        return create_engine(url, echo=echo, pool_pre_ping=True)

    engine = create_engine(url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    _create_private(engine.url.database)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred and late).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A writer takes the write lock up front: a deferred transaction that reads and then
        # writes can fail with "database is locked" without ever waiting on the busy timeout.
        if conn.get_execution_options().get("sqlite_immediate", False):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def _create_private(database: str | None) -> None:
    """Create a new SQLite file readable by its owner only: it holds password hashes and session
    tokens. SQLite gives its -wal and -shm files the same permissions."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def writes_database(view: F) -> F:
    """Mark a GET view that writes (e.g. records a first visit) so its transaction is a writer."""
    view.writes_database = True  # type: ignore[attr-defined]
    return view


class Database:
    """Holds the engine and hands out the per-request session."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self._reader: sessionmaker[Session] | None = None
        self._writer: sessionmaker[Session] | None = None
        self._writer_bind: Engine | None = None

    def init_app(self, app: Flask) -> None:
        """Create the engine for the app's DATABASE_URL and close sessions on teardown."""
        self.engine = make_engine(
            app.config["SQLALCHEMY_DATABASE_URI"], app.config.get("SQLALCHEMY_ECHO", False)
        )
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer_bind = self.engine.execution_options(sqlite_immediate=True)
        self._writer = sessionmaker(self._writer_bind, expire_on_commit=False)
        app.extensions["academy_db"] = self
        app.after_request(self._end_transaction)
        app.teardown_appcontext(self._close_session)

    def new_session(self, *, write: bool = True) -> Session:
        """A session outside a request (CLI, background work); the caller closes it."""
        assert self._writer is not None and self._reader is not None, "init_app first"
        return (self._writer if write else self._reader)()

    def use_writer(self) -> Session:
        """Make the request's session a writer from its next transaction on.

        A GET that usually only reads (a lesson page) starts as a reader, so on SQLite it never
        holds the write lock; when it finds something to record, it calls this first. What it
        read so far is rolled back and read again inside the writing transaction.
        """
        session = self.session
        if session.bind is not self._writer_bind:
            session.rollback()
            session.bind = self._writer_bind
        return session

    @property
    def session(self) -> Session:
        """The session of the current request or app context, created on first use."""
        if "db_session" not in g:
            g.db_session = self.new_session(write=self._request_writes())
        return g.db_session

    @staticmethod
    def _request_writes() -> bool:
        if not has_request_context():
            return True
        if request.method not in _READ_ONLY_METHODS:
            return True
        from flask import current_app

        view = current_app.view_functions.get(request.endpoint or "")
        return bool(getattr(view, "writes_database", False))

    @staticmethod
    def _end_transaction(response: Response) -> Response:
        """Commit the request's work if the response says it succeeded, else roll it back.

        A failed commit raises here, so the person sees an error page, never a success page
        for work that was lost.
        """
        session = g.get("db_session")
        if session is not None:
            if response.status_code < 400:
                session.commit()
            else:
                session.rollback()
        return response

    @staticmethod
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


db = Database()
