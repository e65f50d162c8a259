"""Staged revisions: a course's files copied into the studio, checked, waiting to be published.

Interface for the rest of the studio:
- `stage(session, course_folder, *, actor, source) -> CourseRevision`: copy a course folder
  (an unpacked upload, a browser edit, a git checkout) through the intake gate into
  STUDIO_DIR/revisions/<token>/, run the `courses check` checker on the copy, record what it
  found, and discard the course's older staged revision. `actor` None means the command line
  (trusted); a signed-in actor must be allowed to edit the course (app.studio.editors), and a
  trainer staging a new course id becomes its editor.
- `folder(revision) -> Path`: the revision's files (a course folder with its course.md).
- `discard(session, revision, *, actor)`: drop a staged revision (its files go once committed).
- `publish(session, revision, *, actor) -> CourseSync`: run the same sync as `courses sync`
  on the revision's files, in the caller's transaction, and mark it published.
- `revision_by_token`, `staged_revision`, `published_history` read.
Published revisions are never deleted: they are the course's history (who, when, content
hash). Services flush, never commit: the request commits once.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.content.check import CheckReport, check_paths
from app.content.model import Problem
from app.content.parser import parse_course
from app.content.sync import CourseSync, sync_and_refresh
from app.content.sync_audit import record_sync_run
from app.models import CourseRevision, User
from app.models.studio import REVISION_SOURCES
from app.models.types import utcnow
from app.studio import editors, storage


class RevisionError(ValueError):
    """A revision that cannot be staged, published or discarded; the message says why."""

    def __init__(self, message: str, problems: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


def course_id_of(course_folder: Path) -> str | None:
    """The id written in `course_folder`/course.md, or None when it has no valid one."""
    course, _problems = parse_course(course_folder)
    return course.id if course is not None and course.id else None


def folder(revision: CourseRevision) -> Path:
    """The folder holding the revision's files."""
    return storage.revisions_dir() / revision.token


def problem_rows(report: CheckReport, root: Path) -> list[dict[str, Any]]:
    """The report's problems as stored: paths relative to the course folder `root`."""
    base = root.resolve()
    rows = []
    for problem in report.problems:
        rows.append(
            {
                "path": _relative(problem, base),
                "line": problem.line,
                "severity": problem.severity,
                "message": problem.message,
            }
        )
    return rows


def _relative(problem: Problem, base: Path) -> str:
    try:
        relative = Path(problem.path).resolve().relative_to(base)
    except (ValueError, OSError):
        return Path(problem.path).name
    return relative.as_posix() if relative.parts else "."


def stage(
    session: Session, course_folder: Path, *, actor: User | None, source: str
) -> CourseRevision:
    """Copy the course in `course_folder` into the studio, check it and stage it.

    Raises RevisionError when the folder has no course.md with a valid id or `actor` may not
    edit that course, and UnsafeCourseError (app.content.intake) when it holds a link or a
    special file; either way nothing is written. A course with errors is still staged: the
    trainer sees the errors at their lines, and publishing refuses it until they are fixed.
    """
    assert source in REVISION_SOURCES, source
    slug = course_id_of(course_folder)
    if slug is None:
        raise RevisionError(
            _(
                "%(folder)s has no course.md with a valid id (for example `id: my-course`);"
                " add one and try again.",
                folder=course_folder.name,
            )
        )
    if actor is not None and not editors.can_edit(session, actor, slug):
        raise RevisionError(
            _(
                "You are not an editor of the course %(id)s. Ask an administrator to make you"
                " one, or give your course another id.",
                id=slug,
            )
        )
    token = secrets.token_hex(16)
    storage.revisions_dir().mkdir(parents=True, exist_ok=True)
    dest = storage.revisions_dir() / token
    storage.copy_course(course_folder, dest)
    storage.remove_unless_committed(session, dest)
    report = check_paths([dest])
    problems = problem_rows(report, dest)
    if actor is not None:
        editors.claim(session, slug, actor)
    for older in session.scalars(
        select(CourseRevision).where(
            CourseRevision.course_slug == slug, CourseRevision.status == "staged"
        )
    ):
        _mark_discarded(session, older)
    # The older one is discarded in the database before the new one is staged: at most one
    # staged revision per course is a unique index.
    session.flush()
    titles = [course.title for course in report.courses if course.id == slug]
    revision = CourseRevision(
        course_slug=slug,
        token=token,
        title=(titles[0] if titles else "")[:300],
        status="staged",
        source=source,
        created_by_id=actor.id if actor else None,
        content_hash=storage.files_hash(dest),
        error_count=sum(1 for p in problems if p["severity"] == "error"),
        warning_count=sum(1 for p in problems if p["severity"] == "warning"),
        problems=problems,
    )
    session.add(revision)
    session.flush()
    audit.record(
        session,
        "course_revision_staged",
        actor_id=actor.id if actor else None,
        subject=slug,
        revision=token,
        source=source,
        errors=revision.error_count,
        warnings=revision.warning_count,
    )
    return revision


def _mark_discarded(session: Session, revision: CourseRevision) -> None:
    revision.status = "discarded"
    storage.remove_once_committed(session, folder(revision))


def discard(session: Session, revision: CourseRevision, *, actor: User | None) -> None:
    """Drop a staged revision: it is marked discarded, and its files are removed once that is
    committed. Raises RevisionError for a revision that is not staged."""
    if revision.status != "staged":
        raise RevisionError(_("Only a staged revision can be discarded."))
    _mark_discarded(session, revision)
    session.flush()
    audit.record(
        session,
        "course_revision_discarded",
        actor_id=actor.id if actor else None,
        subject=revision.course_slug,
        revision=revision.token,
    )


def publish(session: Session, revision: CourseRevision, *, actor: User | None) -> CourseSync:
    """Import a staged revision as `courses sync` would, in the caller's transaction, and mark
    it published (kept as history). Its files are checked again first: RevisionError, with
    the problems, when there is any error or the files name another course."""
    if revision.status != "staged":
        raise RevisionError(_("Only a staged revision can be published."))
    root = folder(revision)
    report = check_paths([root])
    problems = problem_rows(report, root)
    errors = [p for p in problems if p["severity"] == "error"]
    courses = [course for course in report.courses if course.id == revision.course_slug]
    if errors or len(courses) != 1:
        raise RevisionError(
            _("The revision has errors; fix them and upload it again before publishing."),
            errors,
        )
    result = sync_and_refresh(session, courses[0])
    revision.status = "published"
    revision.published_at = utcnow()
    revision.published_by_id = actor.id if actor else None
    session.flush()
    record_sync_run(
        session,
        paths=[f"studio:{revision.token}"],
        synced=[result],
        refused=[],
        actor_id=actor.id if actor else None,
    )
    return result


def revision_by_token(session: Session, token: str) -> CourseRevision | None:
    """The revision whose folder is named `token`."""
    return session.scalar(select(CourseRevision).where(CourseRevision.token == token))


def staged_revision(session: Session, slug: str) -> CourseRevision | None:
    """The course's staged revision, if it has one."""
    return session.scalar(
        select(CourseRevision).where(
            CourseRevision.course_slug == slug, CourseRevision.status == "staged"
        )
    )


def published_history(session: Session, slug: str) -> list[CourseRevision]:
    """The course's published revisions, newest first."""
    return list(
        session.scalars(
            select(CourseRevision)
            .where(CourseRevision.course_slug == slug, CourseRevision.status == "published")
            .order_by(CourseRevision.published_at.desc(), CourseRevision.id.desc())
        )
    )
