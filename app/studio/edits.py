"""Editing one text file of a staged revision in the browser, for trainers without git.

The edited text is written into a copy of the revision's folder (under STUDIO_DIR/incoming),
which is checked as a whole (a lesson's errors may lie in another file: a `requires:` naming a
lesson that is gone). Checking writes nothing else; saving stages that copy as a new revision
of source `editor` (app.studio.revisions.stage), which discards the one it was made from. Only
Markdown and YAML files of the course can be edited this way; assets are uploaded.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.content.check import check_paths
from app.content.parser import parse_lesson_text
from app.content.render import render_markdown
from app.models import User
from app.models.studio import CourseRevision
from app.studio import revisions, source, storage

EDITABLE_SUFFIXES = (".md", ".yml", ".yaml")
MAX_EDIT_CHARACTERS = 400_000


class EditError(ValueError):
    """An edit that cannot be checked or saved; the message says why."""


def editable(revision: CourseRevision, name: str) -> Path | None:
    """The file `name` of the revision if it may be edited here (a text file of the course)."""
    if PurePosixPath(name).suffix.lower() not in EDITABLE_SUFFIXES:
        return None
    return source.file_in(revisions.folder(revision), name)


def editable_files(revision: CourseRevision) -> list[str]:
    """The revision's Markdown and YAML files, as paths relative to its course folder."""
    root = revisions.folder(revision)
    if not root.is_dir():
        return []
    found = (
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.suffix.lower() in EDITABLE_SUFFIXES and path.is_file() and not path.is_symlink()
    )
    return sorted(found, key=lambda name: (name.count("/"), name))


def _normalised(text: str) -> str:
    if len(text) > MAX_EDIT_CHARACTERS:
        raise EditError(
            _("The text is longer than %(n)d characters; split the lesson.", n=MAX_EDIT_CHARACTERS)
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


@contextmanager
def _edited_copy(revision: CourseRevision, name: str, text: str) -> Iterator[Path]:
    """A copy of the revision's course folder with `name` holding `text`; removed after."""
    if editable(revision, name) is None:
        raise EditError(_("Only the Markdown and YAML files of a course can be edited here."))
    work = Path(tempfile.mkdtemp(prefix="edit-", dir=storage.incoming_dir()))
    try:
        course = work / "course"
        storage.copy_course(revisions.folder(revision), course)
        target = course.joinpath(*PurePosixPath(name).parts)
        target.write_text(_normalised(text), encoding="utf-8")
        yield course
    finally:
        shutil.rmtree(work, ignore_errors=True)


def check_edit(revision: CourseRevision, name: str, text: str) -> list[dict[str, Any]]:
    """What the checker says of the course with `name` edited to `text` (nothing is saved)."""
    with _edited_copy(revision, name, text) as course:
        return revisions.problem_rows(check_paths([course]), course)


def save_edit(
    session: Session, revision: CourseRevision, name: str, text: str, *, actor: User
) -> CourseRevision:
    """Stage the course with `name` edited to `text` as a new revision (errors and all)."""
    if revision.status != "staged":
        raise EditError(_("Only a staged revision can be edited. Start again from the studio."))
    with _edited_copy(revision, name, text) as course:
        try:
            return revisions.stage(session, course, actor=actor, source="editor")
        except revisions.RevisionError as refusal:
            raise EditError(str(refusal)) from refusal


def preview_html(name: str, text: str) -> str:
    """The edited lesson's text as learners would read it (sanitised HTML; each quiz question
    shown as its id, since questions are drawn and shuffled per attempt). Empty for a file
    that is not a lesson."""
    if "/pools/" in f"/{name}" or PurePosixPath(name).suffix.lower() != ".md":
        return ""  # questions only, or settings: nothing a learner reads as a page
    if PurePosixPath(name).name in ("course.md", "module.md"):
        return render_markdown(_body_only(text)).html
    lesson, _problems = parse_lesson_text(_normalised(text), Path(name))
    body = lesson.markdown(lambda ref: f"**[{ref.question_id}]**")
    return render_markdown(body).html


def _body_only(text: str) -> str:
    """The text after a front-matter block, if there is one."""
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            return text[end + 4 :]
    return text
