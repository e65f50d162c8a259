"""What an attempt's result page reads besides the attempt: where the learner goes next."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Lesson


def next_lesson(session: Session, lesson: Lesson) -> Lesson | None:
    """The visible lesson after `lesson` in its course (the lesson page's "Next" link), if any."""
    return session.scalar(
        select(Lesson)
        .where(
            Lesson.course_id == lesson.course_id,
            Lesson.archived.is_(False),
            Lesson.position > lesson.position,
        )
        .order_by(Lesson.position)
        .limit(1)
    )
