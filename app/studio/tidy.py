"""Removing the stray files a crash can leave in the studio's storage (app.studio.storage says
why they can appear): revision folders no staged or published revision owns, and unpacked
uploads and editor copies in `incoming/` older than an hour (younger ones may be in use)."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import CourseRevision
from app.studio import storage

INCOMING_GRACE_SECONDS = 3600


@dataclass
class Tidied:
    """What `tidy` removed, as paths relative to the studio's storage."""

    revisions: list[str] = field(default_factory=list)
    incoming: list[str] = field(default_factory=list)


def tidy(session: Session, *, dry_run: bool = False, now: float | None = None) -> Tidied:
    """Remove (or, `dry_run`, only list) the studio's stray folders; the database is untouched."""
    done = Tidied()
    kept = set(
        session.scalars(
            select(CourseRevision.token).where(CourseRevision.status.in_(("staged", "published")))
        )
    )
    root = storage.revisions_dir()
    if root.is_dir():
        for path in sorted(root.iterdir()):
            if path.name not in kept:
                done.revisions.append(f"revisions/{path.name}")
                _remove(path, dry_run)
    incoming = storage.studio_dir() / "incoming"
    cutoff = (time.time() if now is None else now) - INCOMING_GRACE_SECONDS
    if incoming.is_dir():
        for path in sorted(incoming.iterdir()):
            if path.lstat().st_mtime < cutoff:
                done.incoming.append(f"incoming/{path.name}")
                _remove(path, dry_run)
    return done


def _remove(path: Path, dry_run: bool) -> None:
    if dry_run:
        return
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
