"""Recording a graded attempt: claim it exactly once, store its items, keep the best scores.

"Exactly once" rests on the database: the claim is a conditional UPDATE from open to submitted
that only one request can win. A pass completes the lesson in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.models import AttemptItem, Course, Lesson, LessonProgress, QuizAttempt, User
from app.progress import recording as progress
from app.quiz.grading import grade, score_percent


def close_attempt(
    session: Session,
    user: User,
    course: Course,
    lesson: Lesson,
    attempt: QuizAttempt,
    answers: dict[str, Any],
    now: datetime,
    *,
    timed_out: bool,
) -> bool:
    """Grade the attempt and claim it (open -> submitted) in one conditional UPDATE; False if
    another request claimed it first, in which case nothing of this one is written."""
    results = [(item, grade(item.version.data, answers.get(item.slug))) for item in attempt.items]
    earned = sum(result.points for _item, result in results)
    possible = sum(float(item.version.data["points"]) for item, _result in results)
    raw = 100.0 * earned / possible if possible else 0.0
    values = {
        "status": "submitted",
        "submitted_at": now,
        "timed_out": timed_out,
        "points_earned": round(earned, 4),
        "points_possible": possible,
        "score": score_percent(earned, possible),
        "passed": possible > 0 and raw >= attempt.pass_percent,
    }
    claimed = session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == "open")
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return False
    item_rows = [
        {
            "id": item.id,
            "response": answers.get(item.slug),
            "correct": result.correct,
            "points_earned": result.points,
            "message": result.message,
        }
        for item, result in results
    ]
    if item_rows:
        session.execute(update(AttemptItem), item_rows)  # one executemany by primary key
    # Both writes are done: record them on the loaded objects without flushing them again.
    for key, value in values.items():
        set_committed_value(attempt, key, value)
    for item, row in zip((item for item, _r in results), item_rows, strict=True):
        for key in ("response", "correct", "points_earned", "message"):
            set_committed_value(item, key, row[key])
    _record_result(session, user, course, lesson, attempt)
    return True


def _record_result(
    session: Session, user: User, course: Course, lesson: Lesson, attempt: QuizAttempt
) -> None:
    """Keep the best score on the lesson and the course; a pass completes the lesson.

    `record_activity` locks the enrollment first, so results arriving together lose nothing.
    """
    visit = progress.record_activity(session, user, course, lesson, completed=bool(attempt.passed))
    enrollment, lesson_progress = visit.enrollment, visit.progress
    if lesson_progress.best_score is None or lesson_progress.best_score < (attempt.score or 0):
        lesson_progress.best_score = attempt.score
    # The course's score: the mean of the best scores of its quiz lessons tried so far. The
    # other lessons' come from the database, this one's from memory, so nothing is flushed
    # before the commit writes the lesson and the enrollment once each.
    with session.no_autoflush:
        total, tried = session.execute(
            select(func.sum(LessonProgress.best_score), func.count()).where(
                LessonProgress.user_id == user.id,
                LessonProgress.course_id == course.id,
                LessonProgress.lesson_id != lesson.id,
                LessonProgress.best_score.is_not(None),
            )
        ).one()
    if lesson_progress.best_score is not None:
        total, tried = (total or 0) + lesson_progress.best_score, tried + 1
    enrollment.best_score = round(float(total) / tried, 1) if tried else None
