"""Finding a synced course or lesson by its id (slug), and who may open which.

Every blueprint looks courses up here: published courses are for everyone signed in, drafts
only for trainers and administrators (to preview them).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from app.models import Course, Lesson


def sees_drafts(user: object) -> bool:
    """Trainers and administrators see draft courses (to preview them); learners do not."""
    has_role = getattr(user, "has_role", None)
    return bool(has_role and (has_role("trainer") or has_role("admin")))


def visible_courses(user: object) -> ColumnElement[bool]:
    """A WHERE clause limiting courses to those `user` may open."""
    return true() if sees_drafts(user) else Course.status == "published"


def course_by_slug(session: Session, slug: str, *, user: object | None = None) -> Course | None:
    """The course with this id; given `user`, only if they may open it."""
    query = select(Course).where(Course.slug == slug)
    if user is not None:
        query = query.where(visible_courses(user))
    return session.scalar(query)


def find_lesson(
    session: Session, user: object, course_slug: str, lesson_slug: str
) -> tuple[Course, Lesson] | None:
    """A visible lesson of a visible course, in one query."""
    row = session.execute(
        select(Course, Lesson)
        .join(Lesson, Lesson.course_id == Course.id)
        .where(
            Course.slug == course_slug,
            visible_courses(user),
            Lesson.slug == lesson_slug,
            Lesson.archived.is_(False),
        )
    ).first()
    return (row[0], row[1]) if row else None
