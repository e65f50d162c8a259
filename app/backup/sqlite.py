"""SQLite: a copy taken with the online backup API while the site keeps serving, and a copy
loaded back into the configured database.

The copy is made in one step (`pages=-1`), which is one read transaction on the live file: in
WAL mode writers go on meanwhile and the copy is the database at one moment, never half of a
write. Loading back goes the same way in reverse: the checked scratch copy is written into the
configured file by the backup API, as one write transaction through SQLite's own journal, so
the live file's WAL and any connection still open stay coherent (renaming a file over a WAL
database would leave its -wal file to be replayed onto the wrong pages).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy import URL, Engine, create_engine

from app.backup.archive import BackupError
from app.backup.schema import Contents, contents
from app.db import SQLITE_BUSY_TIMEOUT_MS


def database_path(engine: Engine) -> Path:
    """The file of the configured SQLite database."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"DATABASE_URL names no SQLite file ({engine.url}); nothing to copy.")
    return Path(database)


def _private_file(path: Path) -> None:
    """Create `path` empty and readable by its owner only: it will hold password hashes."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def snapshot(engine: Engine, dest: Path) -> Contents:
    """Copy the live database into the new file `dest` and describe the copy.

    The counts are read from the copy, so they are those of the moment it was taken.
    """
    source_path = database_path(engine)
    if not source_path.is_file():
        raise BackupError(f"There is no database at {source_path}.")
    _private_file(dest)
    source = sqlite3.connect(source_path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    copy = sqlite3.connect(dest)
    try:
        source.backup(copy)
        # One self-contained file: no -wal beside it to forget.
        copy.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as error:
        raise BackupError(f"SQLite could not copy {source_path}: {error}.") from None
    finally:
        copy.close()
        source.close()
    return describe(dest)


def describe(path: Path) -> Contents:
    """Check a SQLite file's integrity and count what it holds."""
    check = sqlite3.connect(path)
    try:
        verdict = check.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"The backup's database is not a usable SQLite file: {error}.") from None
    finally:
        check.close()
    if verdict is None or verdict[0] != "ok":
        raise BackupError(f"The backup's database fails SQLite's integrity check: {verdict}.")
    engine = create_engine(URL.create("sqlite", database=str(path)))
    try:
        with engine.connect() as connection:
            return contents(connection)
    finally:
        engine.dispose()


def load_into(scratch: Path, engine: Engine) -> None:
    """Replace the configured database's content with the checked copy `scratch`."""
    target = database_path(engine)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        _private_file(target)
    # This process's pooled connections must not hold the file while it is rewritten.
    engine.dispose()
    source = sqlite3.connect(scratch)
    live = sqlite3.connect(target, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    try:
        source.backup(live)
    except sqlite3.Error as error:
        raise BackupError(
            f"SQLite could not write {target}: {error}. Stop the app and try again; the"
            " database was left as it was."
        ) from None
    finally:
        live.close()
        source.close()
    engine.dispose()
