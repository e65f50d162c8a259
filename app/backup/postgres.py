"""PostgreSQL: `pg_dump --format=custom` of one snapshot, a scratch database to check a dump in,
and a dump loaded back into the configured database in one transaction.

The dump and the row counts come from the same moment: a REPEATABLE READ transaction exports
its snapshot, counts every table in it and keeps it open while pg_dump runs with
`--snapshot`, so the site goes on writing and the manifest's counts are exactly the dump's.

The client programs (pg_dump, pg_restore, psql; Debian's postgresql-client, of the server's
version or newer) get the host, port, user and database from DATABASE_URL; a password in the
URL reaches them through PGPASSWORD, never on a command line that `ps` shows.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError

from app.backup.archive import BackupError
from app.backup.schema import Contents, contents

# libpq settings that may ride in the URL's query string, and the variables that carry them.
LIBPQ_VARIABLES = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
}
CHUNK = 1024 * 1024
# How long the restore waits for the app's connections to let go of a table before it gives up.
LOCK_TIMEOUT = "30s"
STDERR_SHOWN = 2000


@dataclass(frozen=True)
class Server:
    """Where the client programs connect, read from an SQLAlchemy URL."""

    host: str | None
    port: int | None
    user: str | None
    password: str | None
    database: str
    libpq: dict[str, str]

    @classmethod
    def of(cls, engine: Engine) -> Server:
        """The server and database of `engine`."""
        url = engine.url
        if not url.database:
            raise BackupError("DATABASE_URL names no database.")
        query = {key: str(value) for key, value in url.query.items()}
        return cls(
            host=url.host or query.get("host"),
            port=url.port,
            user=url.username,
            password=url.password,
            database=url.database,
            libpq={LIBPQ_VARIABLES[k]: v for k, v in query.items() if k in LIBPQ_VARIABLES},
        )

    def args(self, database: str | None = None) -> list[str]:
        """Connection options for pg_dump, pg_restore and psql (never the password)."""
        args = ["--no-password"]
        if self.host:
            args += ["--host", self.host]
        if self.port:
            args += ["--port", str(self.port)]
        if self.user:
            args += ["--username", self.user]
        return args + ["--dbname", database or self.database]

    def env(self) -> dict[str, str]:
        """The environment for the client programs: the password and libpq settings."""
        env = dict(os.environ, **self.libpq)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env


def _run(command: list[str], server: Server) -> None:
    """Run a client program; its error output becomes the message if it fails."""
    try:
        # No shell: each option and each part of DATABASE_URL is one argument; the programs are
        # found on PATH so that a newer client installed by the administrator is used.
        done = subprocess.run(  # noqa: S603
            command, env=server.env(), capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise BackupError(_missing(command[0])) from None
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-STDERR_SHOWN:]}")


def _missing(program: str) -> str:
    return (
        f"{program} is not installed. Install PostgreSQL's client programs of the server's"
        " version or newer (Debian: apt-get install postgresql-client)."
    )


def dump(engine: Engine, dest: Path) -> Contents:
    """Dump the configured database into `dest` and count its rows, both in one snapshot."""
    server = Server.of(engine)
    with engine.connect() as connection:
        connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with connection.begin():
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            found = contents(connection)
            command = ["pg_dump", "--format=custom", f"--snapshot={snapshot}", "--file", str(dest)]
            _run(command + server.args(), server)
    return found


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@contextmanager
def scratch_database(engine: Engine) -> Iterator[tuple[str, Engine]]:
    """A new, uniquely named database on the configured server, dropped afterwards.

    It has the live database's encoding and locale, so that text sorts and compares the same.
    """
    name = f"academy_verify_{secrets.token_hex(6)}"
    admin = engine.execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            encoding, collate, ctype = connection.execute(
                text(
                    "SELECT pg_encoding_to_char(encoding), datcollate, datctype"
                    " FROM pg_database WHERE datname = current_database()"
                )
            ).one()
            connection.execute(
                text(
                    f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING {_literal(encoding)}'
                    f" LC_COLLATE {_literal(collate)} LC_CTYPE {_literal(ctype)}"
                )
            )
    except DBAPIError as error:
        raise BackupError(
            f"Could not create a scratch database to check the backup in ({error.orig}). The"
            " database user needs the CREATEDB privilege for `backup verify`."
        ) from None
    scratch = create_engine(engine.url.set(database=name))
    try:
        yield name, scratch
    finally:
        scratch.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def load_scratch(engine: Engine, dump_file: Path, database: str) -> None:
    """Restore a dump into the (empty) scratch database `database`, all or nothing."""
    server = Server.of(engine)
    command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error"]
    _run(command + ["--single-transaction", *server.args(database), str(dump_file)], server)


def scratch_contents(scratch: Engine) -> Contents:
    """Count what the scratch database holds."""
    with scratch.connect() as connection:
        return contents(connection)


def load_into(engine: Engine, dump_file: Path) -> None:
    """Replace the configured database's schema with the dump's, in one transaction.

    psql gets BEGIN, a prelude that drops and recreates the schema, the dump as SQL (relayed
    from pg_restore) and, only if pg_restore ended well, COMMIT. Otherwise psql reaches the end
    of its input inside the open transaction and the server rolls it back when it leaves, as it
    does when psql stops at the first SQL error (ON_ERROR_STOP): the database is as it was.
    If the app still holds a table, the drop waits at most LOCK_TIMEOUT and then fails. The
    restoring user owns what is created (`--no-owner`); grants in the dump are kept, so a role
    they name must exist.
    """
    server = Server.of(engine)
    engine.dispose()  # this process's pooled connections must not hold a lock meanwhile
    prelude = (
        f"BEGIN;\nSET lock_timeout = {_literal(LOCK_TIMEOUT)};\n"
        "SET client_min_messages = warning;\n"  # not a NOTICE per table the drop cascades to
        "DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n"
        # As a new database's public schema is (PostgreSQL 15): usable by every role.
        "GRANT USAGE ON SCHEMA public TO PUBLIC;\n"
    )
    with tempfile.TemporaryFile() as restore_err, tempfile.TemporaryFile() as psql_err:
        codes = _relay(server, dump_file, prelude.encode(), restore_err, psql_err)
        if codes != (0, 0):
            restore_err.seek(0)
            psql_err.seek(0)
            said = (restore_err.read() + psql_err.read()).decode("utf-8", "replace")
            raise BackupError(
                f"Restoring into {server.database} failed and was rolled back, so the"
                f" database is as it was: {said.strip()[-STDERR_SHOWN:]}"
                "\nIf it timed out waiting for a lock, stop the app and try again."
            )
    engine.dispose()


def _relay(
    server: Server, dump_file: Path, prelude: bytes, restore_err: IO[bytes], psql_err: IO[bytes]
) -> tuple[int, int]:
    """Feed psql the prelude, pg_restore's SQL and COMMIT if pg_restore succeeded; both exit
    codes (pg_restore's first)."""
    env = server.env()
    psql_command = ["psql", "-X", "--quiet", "--set", "ON_ERROR_STOP=1", "--file", "-"]
    try:
        psql = subprocess.Popen(  # noqa: S603  (no shell, as in _run)
            psql_command + server.args(),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_err,
            env=env,
        )
    except FileNotFoundError:
        raise BackupError(_missing("psql")) from None
    assert psql.stdin is not None
    try:
        restore = subprocess.Popen(  # noqa: S603  (no shell, as in _run)
            ["pg_restore", "--no-owner", "--file", "-", str(dump_file)],  # noqa: S607
            stdout=subprocess.PIPE,
            stderr=restore_err,
            env=env,
        )
    except FileNotFoundError:
        psql.stdin.close()  # no COMMIT: psql leaves with nothing done
        psql.wait()
        raise BackupError(_missing("pg_restore")) from None
    assert restore.stdout is not None
    try:
        psql.stdin.write(prelude)
        while chunk := restore.stdout.read(CHUNK):
            psql.stdin.write(chunk)
        if restore.wait() == 0:
            psql.stdin.write(b"\nCOMMIT;\n")
    except BrokenPipeError:
        restore.kill()  # psql stopped at an error; what pg_restore still has is of no use
    finally:
        restore.stdout.close()
        try:
            psql.stdin.close()
        except BrokenPipeError:
            pass  # psql is gone already; its exit code says why
    return restore.wait(), psql.wait()
