"""`backup verify` and `backup restore` refuse what is not a sound backup, with a clear message
and nothing written; `backup create` never overwrites by accident and writes a private file.

Bad archives are made from a real one: a member's bytes changed, the manifest edited, the file
cut short. On PostgreSQL (TEST_DATABASE_URL) verify really creates and drops a scratch database.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import sqlite3
import stat
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app.db import db
from app.models import User
from tests import factories

EVIDENCE = b"%PDF-1.4 evidence of a training course\n%%EOF\n"


@pytest.fixture
def backup(app, runner, session, tmp_path) -> Path:
    """A backup of one user and one evidence file (which stay in the live site as well)."""
    factories.user(session, "ann")
    evidence = Path(app.config["INSTANCE_DIR"]) / "evidence"
    evidence.mkdir(mode=0o700, exist_ok=True)
    (evidence / "e1.pdf").write_bytes(EVIDENCE)
    archive = tmp_path / "backups" / "site.tar"
    archive.parent.mkdir()
    result = runner.invoke(args=["backup", "create", str(archive)])
    assert result.exit_code == 0, result.output
    return archive


def _members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def rewrite(
    archive: Path,
    dest: Path,
    *,
    change: Callable[[dict[str, bytes]], None] = lambda members: None,
    manifest: Callable[[dict], None] = lambda data: None,
    resum: bool = False,
) -> Path:
    """A copy of `archive` with its members changed and its manifest edited; `resum` gives the
    manifest the new members' checksums (a consistent archive of something else)."""
    members = _members(archive)
    data = json.loads(members.pop("manifest.json"))
    change(members)
    if resum:
        data["members"] = {
            name: {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
            for name, body in members.items()
        }
    manifest(data)
    members["manifest.json"] = json.dumps(data).encode()
    with tarfile.open(dest, "w:gz" if dest.name.endswith(".gz") else "w") as tar:
        for name, body in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return dest


def _tamper(members: dict[str, bytes]) -> None:
    body = members["files/evidence/e1.pdf"]
    members["files/evidence/e1.pdf"] = body[:10] + b"X" + body[11:]  # same size, one byte


def _site(app) -> tuple[set[str], bytes, list[str]]:  # noqa: ANN001
    """What a refused restore must leave as it was: users, the evidence file, the folder."""
    instance = Path(app.config["INSTANCE_DIR"])
    with db.engine.connect() as connection:
        users = set(connection.execute(select(User.username)).scalars())
    return (
        users,
        (instance / "evidence" / "e1.pdf").read_bytes(),
        sorted(p.name for p in instance.iterdir()),
    )


def test_verify_passes_a_sound_backup_and_leaves_no_scratch_database(app, runner, backup):
    result = runner.invoke(args=["backup", "verify", str(backup)])
    assert result.exit_code == 0, result.output
    assert "SHA-256" in result.output and "is sound" in result.output
    if db.engine.dialect.name == "postgresql":
        assert "scratch database academy_verify_" in result.output
        with db.engine.connect() as connection:
            left = connection.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE 'academy_verify_%'")
            ).all()
        assert left == []


def test_verify_catches_a_tampered_member_and_restore_writes_nothing(
    app, runner, session, backup, tmp_path
):
    tampered = rewrite(backup, tmp_path / "tampered.tar", change=_tamper)
    result = runner.invoke(args=["backup", "verify", str(tampered)])
    assert result.exit_code == 1
    assert "files/evidence/e1.pdf: SHA-256 differs from the manifest" in result.output

    factories.user(session, "bob")  # the target holds more than the backup
    session.commit()
    before = _site(app)
    result = runner.invoke(args=["backup", "restore", str(tampered), "--force"])
    assert result.exit_code == 1
    assert "does not match its manifest" in result.output
    assert _site(app) == before


def test_verify_catches_a_row_count_that_differs_from_the_manifest(runner, backup, tmp_path):
    def more_users(data: dict) -> None:
        data["row_counts"]["users"] += 1

    edited = rewrite(backup, tmp_path / "counts.tar", manifest=more_users)
    result = runner.invoke(args=["backup", "verify", str(edited)])
    assert result.exit_code == 1
    assert "table users: 1 rows, the manifest says 2" in result.output
    assert "difference(s) from the backup's manifest" in result.output


def _not_an_archive(backup: Path, dest: Path) -> Path:
    dest.write_text("username,full_name\nann,Ann\n", encoding="utf-8")
    return dest


def _cut_in_half(backup: Path, dest: Path) -> Path:
    body = backup.read_bytes()
    dest.write_bytes(body[: len(body) // 2])
    return dest


def _gzip_cut_short(backup: Path, dest: Path) -> Path:
    body = gzip.compress(backup.read_bytes())
    dest.write_bytes(body[: len(body) - 200])
    return dest


def _without_manifest(backup: Path, dest: Path) -> Path:
    members = _members(backup)
    del members["manifest.json"]
    with tarfile.open(dest, "w") as tar:
        for name, body in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return dest


def _newer_format(backup: Path, dest: Path) -> Path:
    return rewrite(backup, dest, manifest=lambda data: data.update(format_version=2))


def _newer_migration(backup: Path, dest: Path) -> Path:
    return rewrite(backup, dest, manifest=lambda data: data.update(migration_head="9999"))


def _other_dialect(backup: Path, dest: Path) -> Path:
    def rename(members: dict[str, bytes]) -> None:
        for ours, other in (
            ("database/academy.sqlite3", "database/academy.pgdump"),
            ("database/academy.pgdump", "database/academy.sqlite3"),
        ):
            if ours in members:
                members[other] = members.pop(ours)
                return

    def flip(data: dict) -> None:
        data["dialect"] = "postgresql" if data["dialect"] == "sqlite" else "sqlite"

    return rewrite(backup, dest, change=rename, manifest=flip, resum=True)


BAD = {
    "not-an-archive": (_not_an_archive, "is not a backup archive"),
    "cut-in-half": (_cut_in_half, "is cut short or damaged"),
    "gzip-cut-short": (_gzip_cut_short, "is cut short or damaged"),
    "no-manifest": (_without_manifest, "has no manifest.json"),
    "newer-format": (_newer_format, "format version 2, made by a newer version"),
    "newer-migration": (_newer_migration, "migration 9999, which this app does not know"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_verify_and_restore_refuse_a_bad_archive_and_write_nothing(
    app, runner, session, backup, tmp_path, case
):
    make, message = BAD[case]
    bad = make(backup, tmp_path / f"{case}.tar{'.gz' if 'gzip' in case else ''}")
    verified = runner.invoke(args=["backup", "verify", str(bad)])
    assert verified.exit_code == 1
    assert message in verified.output

    factories.user(session, "bob")
    session.commit()
    before = _site(app)
    restored = runner.invoke(args=["backup", "restore", str(bad), "--force"])
    assert restored.exit_code == 1
    assert message in restored.output
    assert _site(app) == before


def _unloadable(members: dict[str, bytes]) -> None:
    """Damage the database copy itself (the checksums are then made to match it)."""
    for name in ("database/academy.sqlite3", "database/academy.pgdump"):
        if name in members:
            body = members[name]
            members[name] = b"\0" * 64 + body[64 : len(body) - 4096] + b"\0" * 4096


def test_a_backup_whose_database_will_not_load_leaves_the_target_as_it_was(
    app, runner, session, backup, tmp_path
):
    broken = rewrite(backup, tmp_path / "broken.tar", change=_unloadable, resum=True)
    verified = runner.invoke(args=["backup", "verify", str(broken)])
    assert verified.exit_code == 1
    assert "as in the manifest; taken" in verified.output  # the checksums did match

    factories.user(session, "bob")
    session.commit()
    before = _site(app)
    restored = runner.invoke(args=["backup", "restore", str(broken), "--force"])
    assert restored.exit_code == 1
    assert "not a usable SQLite file" in restored.output or "rolled back" in restored.output
    assert _site(app) == before


def test_restore_refuses_a_backup_of_the_other_database_kind(app, runner, backup, tmp_path):
    other = _other_dialect(backup, tmp_path / "other.tar")
    before = _site(app)
    result = runner.invoke(args=["backup", "restore", str(other), "--force"])
    assert result.exit_code == 1
    assert "restore it into" in result.output and "Nothing was written" in result.output
    assert _site(app) == before


def test_create_never_overwrites_without_force_and_writes_a_private_file(
    app, runner, backup, tmp_path
):
    first = backup.read_bytes()
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    refused = runner.invoke(args=["backup", "create", str(backup)])
    assert refused.exit_code == 1
    assert "exists; add --force" in refused.output
    assert backup.read_bytes() == first

    replaced = runner.invoke(args=["backup", "create", str(backup), "--force"])
    assert replaced.exit_code == 0, replaced.output
    assert backup.read_bytes() != first
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert sorted(p.name for p in backup.parent.iterdir()) == [backup.name]  # no partial left


def test_create_refuses_to_write_into_a_folder_it_carries(app, runner):
    inside = Path(app.config["INSTANCE_DIR"]) / "studio" / "site.tar"
    inside.parent.mkdir(parents=True)
    result = runner.invoke(args=["backup", "create", str(inside)])
    assert result.exit_code == 1
    assert "which the backup carries: write it elsewhere" in result.output
    assert list(inside.parent.iterdir()) == []


@pytest.mark.skipif(
    "postgresql" in os.environ.get("TEST_DATABASE_URL", ""),
    reason="edits the SQLite file inside the archive",
)
def test_a_backup_from_an_older_migration_verifies_with_a_note_to_upgrade(runner, backup, tmp_path):
    def older(members: dict[str, bytes]) -> None:
        copy = tmp_path / "copy.sqlite3"
        copy.write_bytes(members["database/academy.sqlite3"])
        with sqlite3.connect(copy) as connection:
            connection.execute("UPDATE alembic_version SET version_num = '0017'")
        members["database/academy.sqlite3"] = copy.read_bytes()

    old = rewrite(
        backup,
        tmp_path / "old.tar",
        change=older,
        manifest=lambda data: data.update(migration_head="0017"),
        resum=True,
    )
    result = runner.invoke(args=["backup", "verify", str(old)])
    assert result.exit_code == 0, result.output
    assert "older than this app's" in result.output and "db upgrade" in result.output


def test_create_writes_nothing_for_a_database_never_migrated(tmp_path):
    """An app of its own (not the `app` fixture's, whose teardown needs the tests' database)."""
    from app import create_app
    from config import TestingConfig

    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'empty.db'}"
    config.INSTANCE_DIR = str(tmp_path)
    try:
        result = (
            create_app(config)
            .test_cli_runner()
            .invoke(args=["backup", "create", str(tmp_path / "out.tar")])
        )
    finally:
        db.engine.dispose()
    assert result.exit_code == 1
    assert "has no academy tables" in result.output
    assert not (tmp_path / "out.tar").exists()
