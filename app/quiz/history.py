"""A learner's past attempts at a quiz: by token, by number, all of them, and whether the
answers of one may be shown."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.models import AttemptItem, Lesson, QuizAttempt, User
from app.quiz.attempts import QuizError, QuizState


def find_attempt(session: Session, user: User, token: str) -> QuizAttempt:
    """The learner's own attempt with this token."""
    attempt = (
        session.scalars(
            select(QuizAttempt)
            .options(joinedload(QuizAttempt.items).joinedload(AttemptItem.version))
            .where(QuizAttempt.token == token, QuizAttempt.user_id == user.id)
        )
        .unique()
        .one_or_none()
    )
    if attempt is None:
        raise QuizError(token)
    return attempt


def attempts_of(session: Session, user: User, lesson: Lesson) -> list[QuizAttempt]:
    """The learner's attempts at a lesson, newest first."""
    return list(
        session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user.id, QuizAttempt.lesson_id == lesson.id)
            .order_by(QuizAttempt.number.desc())
        )
    )


def attempt_by_number(session: Session, user: User, lesson: Lesson, number: int) -> QuizAttempt:
    """One of the learner's attempts, with its items and their question versions."""
    attempt = session.scalar(
        select(QuizAttempt)
        .options(selectinload(QuizAttempt.items).selectinload(AttemptItem.version))
        .where(
            QuizAttempt.user_id == user.id,
            QuizAttempt.lesson_id == lesson.id,
            QuizAttempt.number == number,
        )
    )
    if attempt is None:
        raise QuizError(str(number))
    return attempt


def answers_visible(lesson: Lesson, attempt: QuizAttempt, state: QuizState) -> bool:
    """Whether the correct answers may be shown for a submitted attempt (`show_answers`).

    `after_final` waits until the learner has passed or has no attempt left, so blank attempts
    at a closing test cannot harvest its pool's answers.
    """
    if attempt.status != "submitted" or lesson.show_answers == "never":
        return False
    if lesson.show_answers == "after_submit":
        return True
    if lesson.show_answers == "after_final":
        return state.passed or state.exhausted
    return bool(attempt.passed)
