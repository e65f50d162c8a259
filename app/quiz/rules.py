"""What a quiz's start page says about it besides the lesson's settings: how many questions."""

from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from app.models import Lesson, Question


def question_count(session: Session, lesson: Lesson) -> int:
    """How many questions an attempt at this quiz gives: the lesson's own, plus each draw
    (never more than its pool holds). Two queries, whatever the number of pools."""
    current = Question.archived.is_(False)
    own = session.scalar(
        select(func.count(Question.id)).where(Question.lesson_id == lesson.id, current)
    )
    pools = {draw["pool"] for draw in lesson.draw}
    sizes = (
        dict(
            session.execute(
                select(Question.pool, func.count(Question.id))
                .where(and_(Question.course_id == lesson.course_id, Question.pool.in_(pools)))
                .where(current)
                .group_by(Question.pool)
            ).all()
        )
        if pools
        else {}
    )
    drawn = sum(min(int(draw["count"]), sizes.get(draw["pool"], 0)) for draw in lesson.draw)
    return (own or 0) + drawn
