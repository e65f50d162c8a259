"""What the studio home lists: each course a person may edit, with its published version, its
staged revision and its last check result. A few queries whatever the number of courses."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Course, CourseEditor, CourseRevision, User
from app.studio import editors


@dataclass(frozen=True)
class StudioCourse:
    """One row of the studio home."""

    slug: str
    course: Course | None  # the published (synced) course; None until the first publish
    staged: CourseRevision | None
    latest: CourseRevision | None  # the newest revision whatever its status: the last check

    @property
    def title(self) -> str:
        """The synced title, else the staged revision's, else the id."""
        if self.course is not None:
            return self.course.title
        for revision in (self.staged, self.latest):
            if revision is not None and revision.title:
                return revision.title
        return self.slug


def studio_courses(session: Session, user: User) -> list[StudioCourse]:
    """The courses `user` may edit, by id: all known ones for an admin (synced, with editors
    or with revisions), those they edit for a trainer."""
    if user.has_role("admin"):
        slugs = (
            set(session.scalars(select(Course.slug)))
            | set(session.scalars(select(CourseEditor.course_slug)))
            | set(session.scalars(select(CourseRevision.course_slug)))
        )
    else:
        slugs = editors.edited_slugs(session, user)
    if not slugs:
        return []
    courses = {c.slug: c for c in session.scalars(select(Course).where(Course.slug.in_(slugs)))}
    newest = (
        select(func.max(CourseRevision.id))
        .where(CourseRevision.course_slug.in_(slugs))
        .group_by(CourseRevision.course_slug)
    )
    latest = {
        r.course_slug: r
        for r in session.scalars(select(CourseRevision).where(CourseRevision.id.in_(newest)))
    }
    staged = {
        r.course_slug: r
        for r in session.scalars(
            select(CourseRevision).where(
                CourseRevision.course_slug.in_(slugs), CourseRevision.status == "staged"
            )
        )
    }
    return [
        StudioCourse(slug, courses.get(slug), staged.get(slug), latest.get(slug))
        for slug in sorted(slugs)
    ]
