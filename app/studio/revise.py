"""Starting a staged revision from the published version, for a trainer who edits in the browser
and has no zip of the course at hand.

The published files are the folder of the course's newest published revision when that is what
learners see (nothing was synced over it from the command line since), else the course's folder
in COURSES_DIR (the courses the site was set up with). The copy is staged like any other
revision (source `editor`), so it is checked, previewed and published the same way.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.content.lookup import course_by_slug
from app.models import CourseRevision, User
from app.studio import editors, revisions


def published_folder(session: Session, slug: str) -> Path | None:
    """The folder holding the files learners see for course `slug`, if the site has them."""
    course = course_by_slug(session, slug)
    if course is None:
        return None
    history = revisions.published_history(session, slug)
    newest = history[0] if history else None
    if newest is not None and newest.published_at is not None:
        stored = revisions.folder(newest)
        # A command-line sync after the studio's publish replaced what learners see.
        if course.synced_at <= newest.published_at and (stored / "course.md").is_file():
            return stored
    configured = current_app.config.get("COURSES_DIR")
    if not configured or not Path(configured).is_dir():
        return None
    for candidate in sorted(Path(configured).iterdir()):
        if (candidate / "course.md").is_file() and revisions.course_id_of(candidate) == slug:
            return candidate
    return None


def start_from_published(session: Session, slug: str, *, actor: User) -> CourseRevision:
    """The course's staged revision: the one there is, else a new one copied from the published
    files. RevisionError when `actor` may not edit the course or its files are not on the site."""
    if not editors.can_edit(session, actor, slug):
        raise revisions.RevisionError(_("You are not an editor of this course."))
    staged = revisions.staged_revision(session, slug)
    if staged is not None:
        return staged
    found = published_folder(session, slug)
    if found is None:
        raise revisions.RevisionError(
            _(
                "The files of %(id)s are not on this site (it was imported from elsewhere);"
                " upload a zip of the course folder to start a revision.",
                id=slug,
            )
        )
    return revisions.stage(session, found, actor=actor, source="editor")
