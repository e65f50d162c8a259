"""Lessons a learner must complete before another lesson opens its quiz or can be marked
complete (`requires:` in the lesson's front matter)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import ngettext
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from app.i18n import format_list
from app.models import Lesson, LessonProgress, User


class RequirementsMissingError(Exception):
    """An action on a lesson whose required lessons are not all completed yet."""

    def __init__(self, missing: list[MissingLesson]) -> None:
        super().__init__(", ".join(lesson.slug for lesson in missing))
        self.missing = missing

    def message(self) -> str:
        """What the learner reads: which lessons to complete first."""
        titles = format_list([m.title for m in self.missing])
        return ngettext(
            "Complete this lesson first: %(lessons)s.",
            "Complete these lessons first: %(lessons)s.",
            len(self.missing),
            lessons=titles,
        )


@dataclass(frozen=True)
class MissingLesson:
    """A required lesson the learner has not completed, for the link that leads to it."""

    slug: str
    title: str


def missing_lessons(session: Session, user: User, lesson: Lesson) -> list[MissingLesson]:
    """The lessons `lesson` requires that the learner has not completed, in course order.

    One query, and none at all for a lesson that requires nothing. Archived lessons no longer
    count: a requirement the trainer removed from the course cannot block anyone.
    """
    if not lesson.requires:
        return []
    rows = session.execute(
        select(Lesson.slug, Lesson.title)
        .outerjoin(
            LessonProgress,
            and_(
                LessonProgress.lesson_id == Lesson.id,
                LessonProgress.user_id == user.id,
                LessonProgress.completed_at.is_not(None),
            ),
        )
        .where(
            Lesson.course_id == lesson.course_id,
            Lesson.slug.in_(lesson.requires),
            Lesson.archived.is_(False),
            LessonProgress.id.is_(None),
        )
        .order_by(Lesson.position)
    ).all()
    return [MissingLesson(slug, title) for slug, title in rows]


def require_completed(session: Session, user: User, lesson: Lesson) -> None:
    """Raise RequirementsMissingError unless every lesson `lesson` requires is completed."""
    missing = missing_lessons(session, user, lesson)
    if missing:
        raise RequirementsMissingError(missing)
