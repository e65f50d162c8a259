"""The steps of `backup create`, `backup verify` and `backup restore`; app.backup.cli prints.

Each step reports what it does through `echo`, so a long backup shows where it is. Every check
that can refuse a restore (the archive's checksums, its format version, its migration head, its
database's integrity and row counts) runs before anything under the target is changed: the
database is read into a scratch copy and the files into staging folders first.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from flask import Flask
from sqlalchemy import Engine

from app import audit
from app.backup import postgres, sqlite
from app.backup.archive import DATABASE_MEMBERS, ArchiveWriter, BackupError, Manifest, read_archive
from app.backup.folders import Staging, file_count, files_of, instance_folders, never_carried
from app.backup.schema import (
    Contents,
    app_head,
    check_head_known,
    contents,
    count_differences,
    describe_rows,
    require_migrated,
)
from app.db import db

Echo = Callable[[str], None]
DIALECT_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass
class Outcome:
    """What a command did: the manifest it wrote or read, and what the person should know."""

    manifest: Manifest
    size: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def human_size(size: int) -> str:
    """`2.4 MB`; decimal units, as `ls -h --si` and file managers show them."""
    value = float(size)
    for unit in ("bytes", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def counted(count: int, thing: str) -> str:
    """`1 file`, `3 files`, `1,200 members`."""
    return f"{count} {thing}" if count == 1 else f"{count:,} {thing}s"


def files(count: int) -> str:
    """`1 file`, `3 files`."""
    return counted(count, "file")


def _dialect(engine: Engine) -> str:
    name = engine.dialect.name
    if name not in DATABASE_MEMBERS:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {name}.")
    return name


def _sqlite_file(engine: Engine) -> Path | None:
    return sqlite.database_path(engine) if engine.dialect.name == "sqlite" else None


def _audit(action: str, subject: str, **details: Any) -> None:
    """Record an audit event in a transaction of its own (done from the command line)."""
    session = db.new_session()
    try:
        audit.record(session, action, actor_id=None, subject=subject, **details)
        session.commit()
    finally:
        session.close()


def create(app: Flask, target: Path, *, force: bool, echo: Echo) -> Outcome:
    """Write a backup of the configured database and instance folders to `target`.

    The audit event is written first, so that it is inside the copy and the manifest's counts
    are those of the copy. The copy and the file list are taken in a hidden folder beside
    `target`, which is renamed into place only when it is whole.
    """
    target = target.absolute()
    if target.is_dir():
        raise BackupError(f"{target} is a folder; give the name of the backup file to write.")
    if target.exists() and not force:
        raise BackupError(f"{target} exists; add --force to replace it.")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    for folder in instance_folders(app):
        if target.resolve().is_relative_to(folder.path.resolve()):
            raise BackupError(
                f"{target} is inside {folder.path}, which the backup carries: write it elsewhere."
            )
    engine = db.engine
    dialect = _dialect(engine)
    require_migrated(engine)
    _audit("backup_created", target.name, file=str(target), dialect=dialect)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".academy-backup-") as scratch:
        copy = Path(scratch) / "database"
        if dialect == "sqlite":
            echo(f"Copying the database {sqlite.database_path(engine)} (SQLite online backup)...")
            found = sqlite.snapshot(engine, copy)
        else:
            echo(f"Dumping the database {engine.url.database} (pg_dump, one snapshot)...")
            found = postgres.dump(engine, copy)
        echo(_described(found) + f", {human_size(copy.stat().st_size)}.")
        manifest = Manifest(
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            dialect=dialect,
            migration_head=found.migration_head,
            row_counts=found.row_counts,
        )
        with ArchiveWriter(target) as writer:
            writer.add_file(DATABASE_MEMBERS[dialect], copy)
            excluded = never_carried(app, _sqlite_file(engine))
            for folder in instance_folders(app):
                if folder.key == "outbox" and not folder.path.is_dir():
                    continue
                count, size = 0, 0
                for name, path in files_of(folder, excluded):
                    try:
                        size += writer.add_file(name, path).size
                    except FileNotFoundError:
                        continue  # removed since the folder was listed (a tidy-up): nothing lost
                    count += 1
                manifest.folders[folder.key] = count
                echo(f"  {folder.key} ({folder.path}): {files(count)}, {human_size(size)}")
            size = writer.finish(manifest, replace=force)
    return Outcome(manifest, size=size)


def _described(found: Contents) -> str:
    rows = sum(found.row_counts.values())
    return f"  {len(found.row_counts)} tables, {rows:,} rows, migration {found.migration_head}"


def _check(manifest: Manifest, found: Contents) -> list[str]:
    """How a restored database differs from the manifest (empty: not at all)."""
    problems = []
    if found.migration_head != manifest.migration_head:
        problems.append(
            f"the database is at migration {found.migration_head}, the manifest says"
            f" {manifest.migration_head}"
        )
    return problems + count_differences(manifest.row_counts, found.row_counts)


def _head_notes(manifest: Manifest) -> list[str]:
    head = app_head()
    if manifest.migration_head == head:
        return []
    return [
        f"The backup is at migration {manifest.migration_head}, older than this app's {head}:"
        " after restoring it, run `flask --app app db upgrade`."
    ]


def _existing(archive: Path) -> Path:
    if not archive.is_file():
        raise BackupError(f"{archive}: no such file.")
    return archive


def _database_place(folder: Path) -> Callable[[str], Path | None]:
    members = set(DATABASE_MEMBERS.values())
    return lambda name: folder / PurePosixPath(name).name if name in members else None


def verify(app: Flask, archive: Path, *, echo: Echo) -> Outcome:
    """Check a backup without touching the live database: every member's checksum, then its
    database restored into a scratch database, its migration head and every table's count."""
    engine = db.engine
    _existing(archive)
    with tempfile.TemporaryDirectory(prefix="academy-verify-") as scratch:
        echo(f"Reading {archive} and checking every member's SHA-256...")
        place = _database_place(Path(scratch))
        manifest = read_archive(archive, place)
        echo(
            f"  {counted(len(manifest.members), 'member')} as in the manifest; taken"
            f" {manifest.created_at}"
            f" from {DIALECT_NAMES[manifest.dialect]} at migration {manifest.migration_head}."
        )
        check_head_known(manifest.migration_head)
        copy = place(manifest.database_member)
        assert copy is not None
        if manifest.dialect == "sqlite":
            echo("Opening the database copy in a scratch file...")
            found = sqlite.describe(copy)
        else:
            if engine.dialect.name != "postgresql":
                raise BackupError(
                    "This is a backup of a PostgreSQL database: checking it needs a PostgreSQL"
                    " server. Set DATABASE_URL to one (its data is not touched)."
                )
            with postgres.scratch_database(engine) as (name, scratch_engine):
                echo(f"Restoring the dump into the scratch database {name}...")
                postgres.load_scratch(engine, copy, name)
                found = postgres.scratch_contents(scratch_engine)
            echo(f"  scratch database {name} dropped.")
    echo(_described(found) + ".")
    return Outcome(manifest, problems=_check(manifest, found), notes=_head_notes(manifest))


def what_is_there(app: Flask, engine: Engine) -> list[str]:
    """What a restore would replace: tables with rows, folders with files (empty: nothing)."""
    with engine.connect() as connection:
        tables = contents(connection).data_tables
    found = [f"the database holds {describe_rows(tables)}"] if tables else []
    for folder in instance_folders(app):
        if count := file_count(folder):
            found.append(f"{folder.path} holds {files(count)}")
    return found


def restore(app: Flask, archive: Path, *, force: bool, echo: Echo) -> Outcome:
    """Replace the configured database and instance folders with a backup's.

    Refuses a target that holds anything unless `force`. The app must be stopped: a request
    writing meanwhile would be lost or, on PostgreSQL, make the restore time out.
    """
    engine = db.engine
    dialect = _dialect(engine)
    _existing(archive)
    present = what_is_there(app, engine)
    if present:
        if not force:
            raise BackupError(
                "The target is not empty: "
                + "; ".join(present)
                + ". Add --force to replace all of it with the backup (stop the app first)."
            )
        echo("To be replaced once the backup is checked: " + "; ".join(present) + ".")
    database_file = _sqlite_file(engine)
    staging = Staging(instance_folders(app))
    scratch_parent = database_file.parent if database_file else None
    try:
        with tempfile.TemporaryDirectory(dir=scratch_parent, prefix=".academy-restore-") as tmp:
            echo(f"Reading {archive} and checking every member's SHA-256...")
            place = _database_place(Path(tmp))
            manifest = read_archive(archive, lambda name: place(name) or staging.place(name))
            if manifest.dialect != dialect:
                raise BackupError(
                    f"This is a backup of a {DIALECT_NAMES[manifest.dialect]} database and"
                    f" DATABASE_URL is {DIALECT_NAMES[dialect]}: restore it into"
                    f" {DIALECT_NAMES[manifest.dialect]}. Nothing was written."
                )
            check_head_known(manifest.migration_head)
            copy = place(manifest.database_member)
            assert copy is not None
            if database_file is not None:
                problems = _check(manifest, sqlite.describe(copy))
                if problems:
                    raise BackupError(
                        "The backup's database does not match its manifest; nothing was"
                        " written:\n  " + "\n  ".join(problems)
                    )
                echo(f"Writing the database into {database_file}...")
                sqlite.load_into(copy, engine)
            else:
                echo(f"Restoring the dump into {engine.url.database} (one transaction)...")
                postgres.load_into(engine, copy)
            echo("Putting back the instance folders: " + _folders(manifest) + ".")
            staging.swap(set(manifest.folders))
    except BaseException:
        staging.discard()
        raise
    with engine.connect() as connection:
        found = contents(connection)
    outcome = Outcome(manifest, problems=_check(manifest, found), notes=_head_notes(manifest))
    if not outcome.problems:
        echo(_described(found) + ", as in the manifest.")
        _audit(
            "backup_restored",
            archive.name,
            file=str(archive.absolute()),
            taken_at=manifest.created_at,
            migration=manifest.migration_head,
            rows=manifest.total_rows,
        )
    return outcome


def _folders(manifest: Manifest) -> str:
    return ", ".join(f"{key} ({files(count)})" for key, count in sorted(manifest.folders.items()))
