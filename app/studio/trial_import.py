"""Importing a staged revision for a moment: what the preview pages render from.

The revision is imported exactly as publishing would import it (app.content.sync), inside a
savepoint that is always rolled back when the block ends, so nothing of it is ever committed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.content.check import check_paths
from app.content.lookup import course_by_slug
from app.content.sync import CourseSync, sync_course
from app.models import Course, CourseRevision
from app.studio import revisions


@dataclass(frozen=True)
class Trial:
    """The course as the import wrote it, and what the import did."""

    course: Course
    result: CourseSync


@contextmanager
def imported(session: Session, revision: CourseRevision) -> Iterator[Trial | None]:
    """The revision's course as publishing would write it (None when its files have errors),
    taken back when the block ends. `session` must be a writer."""
    report = check_paths([revisions.folder(revision)])
    sources = [c for c in report.courses if c.id == revision.course_slug]
    if len(sources) != 1 or report.errors_in(sources[0]):
        yield None
        return
    savepoint = session.begin_nested()
    try:
        result = sync_course(session, sources[0])
        course = course_by_slug(session, revision.course_slug)
        assert course is not None  # just imported
        yield Trial(course, result)
    finally:
        savepoint.rollback()
