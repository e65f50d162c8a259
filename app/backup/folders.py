"""The instance files a backup carries beside the database, and putting them back.

  evidence  EVIDENCE_DIR: the files of offline training claims (a claim row points at its file)
  studio    STUDIO_DIR: course revisions and the git checkouts of `courses pull`, without
            `incoming/` (uploads being unpacked at that moment, of no use to anyone later)
  outbox    INSTANCE_DIR/outbox, when it exists: mails written to files instead of sent

Never the secret key file or the live database file, even when a folder setting points at the
instance folder itself. Links and special files are skipped (the studio's intake refuses them,
so none should be there).

Files are read after the database was copied: a file written meanwhile is carried without a row
pointing at it, which does no harm, while a row is never carried without its file.
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from flask import Flask

from app.backup.archive import FILES_PREFIX, BackupError
from app.claims.evidence import evidence_dir
from app.studio.storage import studio_dir

# Top-level entries of a folder that are never carried.
SKIPPED = {"studio": frozenset({"incoming"})}


@dataclass(frozen=True)
class Folder:
    """One instance folder a backup carries, by the name it has inside the archive."""

    key: str
    path: Path

    @property
    def prefix(self) -> str:
        """Where its files are inside the archive."""
        return f"{FILES_PREFIX}{self.key}/"


def instance_folders(app: Flask) -> list[Folder]:
    """The folders a backup carries, wherever this app's settings put them."""
    with app.app_context():
        folders = [Folder("evidence", evidence_dir()), Folder("studio", studio_dir())]
    folders.append(Folder("outbox", Path(app.config["INSTANCE_DIR"]) / "outbox"))
    return folders


def never_carried(app: Flask, database_file: Path | None) -> set[Path]:
    """Files that stay out of every backup: the secret key, and the live database as it is."""
    paths = {Path(app.config["INSTANCE_DIR"]) / "secret_key"}
    if database_file is not None:
        paths |= {database_file, *(Path(f"{database_file}{end}") for end in ("-wal", "-shm"))}
    return {_resolved(path) for path in paths}


def _resolved(path: Path) -> Path:
    return Path(os.path.realpath(path))


def files_of(folder: Folder, excluded: set[Path]) -> Iterator[tuple[str, Path]]:
    """(member name, path) of every plain file in the folder, in a stable order."""
    if not folder.path.is_dir():
        return
    skipped = SKIPPED.get(folder.key, frozenset())
    for current, dirs, files in os.walk(folder.path):  # os.walk never follows links to folders
        here = Path(current)
        relative = here.relative_to(folder.path)
        dirs[:] = sorted(d for d in dirs if not (relative == Path(".") and d in skipped))
        for name in sorted(files):
            path = here / name
            try:
                plain = stat.S_ISREG(path.lstat().st_mode)
            except FileNotFoundError:
                continue  # removed since the folder was listed
            if not plain or _resolved(path) in excluded:
                continue
            yield folder.prefix + PurePosixPath(*(relative / name).parts).as_posix(), path


def file_count(folder: Folder) -> int:
    """How many files the folder holds now (all of them, skipped ones too)."""
    if not folder.path.is_dir():
        return 0
    return sum(len(files) for _current, _dirs, files in os.walk(folder.path))


class Staging:
    """Folders beside each target folder that a restore fills first and then swaps in.

    Being on the same disk as their targets, each swap is two renames; until `swap` nothing
    under the targets changes, and `discard` leaves no trace of a restore that stopped.
    """

    def __init__(self, folders: list[Folder]) -> None:
        token = secrets.token_hex(4)
        self.folders = folders
        self.staged = {
            f.key: f.path.parent / f".{f.path.name}.restoring-{token}" for f in self.folders
        }
        self.replaced = {
            f.key: f.path.parent / f".{f.path.name}.replaced-{token}" for f in self.folders
        }
        for path in self.staged.values():
            path.mkdir(mode=0o700, parents=True)

    def place(self, name: str) -> Path | None:
        """Where member `name` (files/<key>/...) is written while the restore is checked."""
        for folder in self.folders:
            if name.startswith(folder.prefix):
                return self.staged[folder.key] / name.removeprefix(folder.prefix)
        raise BackupError(f"{name} belongs to no instance folder this app knows.")

    def swap(self, keys: set[str]) -> None:
        """Put each staged folder named in `keys` where its target was and remove the old one
        (a folder the backup did not have is left as it is)."""
        for folder in self.folders:
            if folder.key not in keys:
                continue
            if folder.path.exists():
                folder.path.rename(self.replaced[folder.key])
            self.staged[folder.key].rename(folder.path)
        for path in self.replaced.values():
            shutil.rmtree(path, ignore_errors=True)
        self.discard()

    def discard(self) -> None:
        """Remove whatever was staged."""
        for path in self.staged.values():
            shutil.rmtree(path, ignore_errors=True)
