"""What an attempt's result page reads besides the attempt: where the learner goes next."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import Lesson


def next_lesson(session: Session, lesson: Lesson) -> Lesson | None:
    """The visible lesson after `lesson` in its course (the lesson page's "Next" link, stored
    on the lesson at sync), if any."""
    return session.get(Lesson, lesson.next_lesson_id) if lesson.next_lesson_id else None
