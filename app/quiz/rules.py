"""What a quiz's start page says about it besides the lesson's settings: how many questions."""

from __future__ import annotations

from app.content.render import QuestionPlaceholder
from app.models import Lesson


def question_count(lesson: Lesson, parts: list[str | QuestionPlaceholder]) -> int:
    """How many questions an attempt at this quiz gives: the lesson's own, plus each draw.

    Read from what the sync stored, without a query: `parts` (the lesson's HTML split at its
    placeholders) holds one placeholder for each of its own current questions, and
    `courses check` refuses a draw larger than its pool.
    """
    own = sum(1 for part in parts if not isinstance(part, str))
    return own + sum(int(draw["count"]) for draw in lesson.draw)
