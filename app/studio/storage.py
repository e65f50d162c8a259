"""Where the studio keeps files: STUDIO_DIR (default INSTANCE_DIR/studio), with
`revisions/<token>/` holding one course folder per revision and `incoming/` the archives
being unpacked.

Files and the database do not share a transaction, so file changes follow the session's
outcome: a folder written for a revision is removed if the transaction rolls back
(`remove_unless_committed`), and a discarded revision's folder only once its discarding is
committed (`remove_once_committed`). A crash in between leaves a stray folder, never a
revision without its files.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.content.intake import UnsafeCourseError, read_plain_file, unsafe_entries

# Never copied into a revision: a git checkout's history is not part of the course.
SKIPPED = frozenset({".git"})
PENDING = "studio.pending_folders"


def studio_dir() -> Path:
    """The studio's storage root: STUDIO_DIR, else INSTANCE_DIR/studio."""
    configured = current_app.config.get("STUDIO_DIR") or ""
    return Path(configured) if configured else Path(current_app.config["INSTANCE_DIR"]) / "studio"


def revisions_dir() -> Path:
    """The folder holding one folder per revision, named by its token."""
    return studio_dir() / "revisions"


def incoming_dir() -> Path:
    """Where uploads are unpacked before they are staged (on the same disk as revisions)."""
    path = studio_dir() / "incoming"
    path.mkdir(parents=True, exist_ok=True)
    return path


def copy_course(source: Path, dest: Path) -> None:
    """Copy the course folder `source` to the new folder `dest` through the intake gate.

    Raises UnsafeCourseError (writing nothing) if `source` holds a link or a special file,
    and again if one appears while copying: every file is read without following links.
    """
    problems = unsafe_entries(source)
    if problems:
        raise UnsafeCourseError(problems)
    dest.mkdir(parents=True)
    try:
        for folder, folders, files in os.walk(source):
            folders[:] = sorted(name for name in folders if name not in SKIPPED)
            base = Path(folder)
            target = dest / base.relative_to(source)
            for name in folders:
                (target / name).mkdir()
            for name in sorted(files):
                data = read_plain_file(base / name)
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                with os.fdopen(os.open(target / name, flags, 0o640), "wb") as out:
                    out.write(data)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise


def files_hash(folder: Path) -> str:
    """sha256 over each file's path (relative, `/`-separated) and bytes, in path order."""
    digest = hashlib.sha256()
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    for path in paths:
        digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _pending(session: Session) -> dict[str, list[Path]]:
    """The folders to remove at this session's next commit or rollback (listeners added once)."""
    if PENDING not in session.info:
        session.info[PENDING] = {"commit": [], "rollback": []}
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_rollback", _after_rollback)
    return session.info[PENDING]


def _settle(session: Session, outcome: str) -> None:
    pending = session.info.get(PENDING)
    if pending is None:
        return
    for path in pending[outcome]:
        shutil.rmtree(path, ignore_errors=True)
    pending["commit"].clear()
    pending["rollback"].clear()


def _after_commit(session: Session) -> None:
    _settle(session, "commit")


def _after_rollback(session: Session) -> None:
    _settle(session, "rollback")


def remove_unless_committed(session: Session, path: Path) -> None:
    """Remove `path` if the session's transaction rolls back rather than commits."""
    _pending(session)["rollback"].append(path)


def remove_once_committed(session: Session, path: Path) -> None:
    """Remove `path` when the session's transaction commits (not if it rolls back)."""
    _pending(session)["commit"].append(path)
