"""Lessons a learner must complete before another lesson's quiz opens (`requires:`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from app.models import Lesson, LessonProgress, User


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
