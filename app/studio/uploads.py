"""An uploaded course archive, from the zip to staged revisions, or a refusal that writes nothing.

`receive(session, stream, *, actor, limits)` unpacks the zip (app.studio.archive) into a
temporary folder under STUDIO_DIR/incoming, finds its course folders, and only when every one
of them has a valid id, appears once and may be edited by `actor` stages them all
(app.studio.revisions.stage). The temporary folder is removed whatever happens.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.content.intake import UnsafeCourseError
from app.models import CourseRevision, User
from app.studio import editors, revisions, storage
from app.studio.archive import ArchiveLimits, ArchiveRefused, course_folders, unpack


class UploadError(ValueError):
    """An upload of which nothing was staged; the message says why and what to do."""


def receive(
    session: Session, stream: BinaryIO, *, actor: User, limits: ArchiveLimits
) -> list[CourseRevision]:
    """Stage every course of the zip in `stream`, in the order of their folders.

    Raises UploadError, staging none, for an archive the unpacker refuses, one without a
    course, a course folder without a valid id, an id that comes twice, or an id `actor` may
    not edit (all such ids are named).
    """
    work = Path(tempfile.mkdtemp(prefix="upload-", dir=storage.incoming_dir()))
    try:
        try:
            unpack(stream, work, limits)
        except ArchiveRefused as refusal:
            raise UploadError(str(refusal)) from refusal
        folders = course_folders(work)
        if not folders:
            raise UploadError(
                _(
                    "The archive holds no course: zip the course folder itself (the one with"
                    " course.md), or a folder of course folders."
                )
            )
        ids = _course_ids(folders, work)
        refused = sorted({slug for slug in ids if not editors.can_edit(session, actor, slug)})
        if refused:
            raise UploadError(
                _(
                    "You are not an editor of %(ids)s, so nothing was uploaded. Ask an"
                    " administrator to make you an editor, or give your course another id.",
                    ids=", ".join(refused),
                )
            )
        try:
            return [
                revisions.stage(session, path, actor=actor, source="upload") for path in folders
            ]
        except revisions.RevisionError as refusal:
            raise UploadError(str(refusal)) from refusal
        except UnsafeCourseError as unsafe:  # the unpacker writes none, so only as a last gate
            raise UploadError(str(unsafe)) from unsafe
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _course_ids(folders: list[Path], root: Path) -> list[str]:
    """The id of each course folder, refusing a folder without one or an id given twice."""
    ids: list[str] = []
    for path in folders:
        slug = revisions.course_id_of(path)
        shown = path.relative_to(root).as_posix() if path != root else "course.md"
        if slug is None:
            raise UploadError(
                _(
                    "The course.md in %(folder)s has no valid id (for example `id: my-course`);"
                    " add one and upload again.",
                    folder=shown,
                )
            )
        if slug in ids:
            raise UploadError(
                _("The archive holds the course %(id)s twice; keep one.", id=slug)
            )
        ids.append(slug)
    return ids
