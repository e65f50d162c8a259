"""Importing a Moodle GIFT question bank into a staged revision as a pool, for trainers who
arrive with their questions in Moodle. The conversion is `courses import-gift`'s
(app.content.gift); the revision's files plus the new pool are staged as a new revision of
source `editor`, checked at once, like a browser edit."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.content.gift import convert
from app.content.gift_text import GiftError, decode
from app.content.model import Problem
from app.models import CourseRevision, User
from app.studio import revisions, storage

MAX_GIFT_BYTES = 5 * 1024 * 1024


class GiftImportError(ValueError):
    """A question bank that cannot be imported; the message says why, nothing is written."""


def import_gift(
    session: Session,
    revision: CourseRevision,
    data: bytes,
    filename: str,
    pool: str,
    *,
    actor: User,
) -> tuple[CourseRevision, list[Problem]]:
    """Stage the revision with `pools/<pool>.md` converted from the GIFT `data`; also what the
    conversion left out. GiftImportError when nothing converts or the pool exists already."""
    if revision.status != "staged":
        raise GiftImportError(_("Only a staged revision can take a question bank."))
    if len(data) > MAX_GIFT_BYTES:
        raise GiftImportError(_("The question bank is larger than 5 MB; split it."))
    root = revisions.folder(revision)
    if (root / "pools" / f"{pool}.md").exists():
        raise GiftImportError(
            _("The course already has a pool called %(name)s; choose another name.", name=pool)
        )
    try:
        text = decode(data)
    except GiftError as error:
        raise GiftImportError(str(error)) from None
    result = convert(text, Path(Path(filename).name or "bank.txt"), pool)
    if not result.blocks:
        raise GiftImportError(
            _(
                "No question of %(file)s could be converted: %(why)s",
                file=filename,
                why="; ".join(f"line {p.line}: {p.message}" for p in result.problems[:5])
                or _("it holds no question"),
            )
        )
    work = Path(tempfile.mkdtemp(prefix="gift-", dir=storage.incoming_dir()))
    try:
        course = work / "course"
        storage.copy_course(root, course)
        (course / "pools").mkdir(exist_ok=True)
        (course / "pools" / f"{pool}.md").write_text("\n".join(result.blocks), encoding="utf-8")
        staged = revisions.stage(session, course, actor=actor, source="editor")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return staged, result.problems
