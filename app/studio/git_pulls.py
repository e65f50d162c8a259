"""Staging (or publishing) the courses of a git repository: what `courses pull` and the git
webhook do.

The repository is fetched into STUDIO_DIR/git/<hash of its URL>; every course folder under the
repository's `path` whose files changed since the last pull is staged as a revision of source
`git`, through the same gate and check as an upload (app.studio.revisions.stage). A course whose
files are the same as its newest revision is left alone, so a first pull of an unchanged
repository stages nothing twice. With `publish`, each staged revision without errors is then
published. Services take the session and never commit; each course is staged in a savepoint, so
one that is refused leaves the others staged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.content.intake import UnsafeCourseError
from app.models import User
from app.models.studio import CourseRevision
from app.studio import git_source, revisions, storage
from app.studio.archive import course_folders


@dataclass
class CourseOutcome:
    """What a pull did with one course folder."""

    folder: str
    course_id: str | None = None
    revision: str | None = None
    errors: int = 0
    warnings: int = 0
    published: bool = False
    refused: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The outcome as plain values, for the audit log and the webhook's answer."""
        return {
            "folder": self.folder,
            "id": self.course_id,
            "revision": self.revision,
            "errors": self.errors,
            "published": self.published,
            "refused": self.refused,
        }


@dataclass
class PullOutcome:
    """The commit a pull reached and what happened to each changed course."""

    commit: str
    previous: str | None
    courses: list[CourseOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No course was refused and none has errors."""
        return all(c.refused is None and c.errors == 0 for c in self.courses)


def checkouts_dir() -> Path:
    """Where repositories are checked out: STUDIO_DIR/git."""
    return storage.studio_dir() / "git"


def pull_courses(
    session: Session,
    url: str,
    *,
    ref: str | None = None,
    path: str = "",
    publish: bool = False,
    actor: User | None = None,
    timeout: float = git_source.GIT_TIMEOUT_SECONDS,
) -> PullOutcome:
    """Fetch `url` and stage (or publish) every course under `path` that changed.

    Raises git_source.GitSourceError when git cannot fetch, and ValueError for a `path` that
    leaves the repository; nothing is staged then.
    """
    result = git_source.pull(
        url, git_source.checkout_folder(checkouts_dir(), url), ref=ref, timeout=timeout
    )
    base = (result.checkout / path).resolve() if path else result.checkout.resolve()
    if not base.is_relative_to(result.checkout.resolve()) or not base.is_dir():
        raise ValueError(f"{path!r} is not a folder of the repository.")
    changed = git_source.changed_files(result, timeout=timeout)
    folders = git_source.changed_courses(course_folders(base), result.checkout, changed)
    outcome = PullOutcome(result.commit, result.previous)
    for folder in folders:
        outcome.courses.append(
            _stage_one(session, folder, result.checkout, publish=publish, actor=actor)
        )
    audit.record(
        session,
        "courses_pulled",
        actor_id=actor.id if actor else None,
        subject=url[:200],
        ref=ref,
        path=path,
        commit=result.commit,
        previous=result.previous,
        courses=[c.as_dict() for c in outcome.courses],
    )
    return outcome


def _stage_one(
    session: Session, folder: Path, checkout: Path, *, publish: bool, actor: User | None
) -> CourseOutcome:
    shown = folder.relative_to(checkout).as_posix() or "."
    outcome = CourseOutcome(shown, revisions.course_id_of(folder))
    if outcome.course_id and _same_as_newest(session, outcome.course_id, folder):
        return outcome
    savepoint = session.begin_nested()
    try:
        revision = revisions.stage(session, folder, actor=actor, source="git")
        outcome.revision, outcome.errors = revision.token, revision.error_count
        outcome.warnings = revision.warning_count
        if publish and revision.error_count == 0:
            revisions.publish(session, revision, actor=actor)
            outcome.published = True
        savepoint.commit()
    except (revisions.RevisionError, UnsafeCourseError) as refusal:
        savepoint.rollback()
        outcome.refused = str(refusal)
    return outcome


def _same_as_newest(session: Session, slug: str, folder: Path) -> bool:
    """Whether the folder's files are those of the course's newest staged or published
    revision (nothing to stage)."""
    newest = session.scalar(
        select(CourseRevision.content_hash)
        .where(CourseRevision.course_slug == slug, CourseRevision.status != "discarded")
        .order_by(CourseRevision.created_at.desc(), CourseRevision.id.desc())
        .limit(1)
    )
    return newest is not None and newest == storage.files_hash(folder)
