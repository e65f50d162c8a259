"""What opening a lesson reads and records: the learner's progress and the lesson's quiz.

A revisit only reads (`read_lesson`). The first visit, a change of lesson, opening a quiz
attempt or closing one whose time ran out write (`record_lesson`), in a transaction that is a
writer from its start; `LessonPage.needs_write` says which of the two a request needs. A
timed or attempt-limited quiz is never opened or closed by a view: its start page is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.content.render import QuestionPlaceholder, split_on_placeholders
from app.models import AttemptItem, Course, Enrollment, Lesson, LessonProgress, User
from app.progress import recording as progress
from app.progress.prerequisites import MissingLesson, missing_lessons
from app.quiz import attempts
from app.quiz.attempts import QuizState
from app.quiz.rules import question_count


@dataclass(frozen=True)
class LessonPage:
    """The learner's standing in a lesson, as the lesson page shows it."""

    enrollment: Enrollment | None
    progress: LessonProgress | None
    quiz: QuizState | None
    needs_write: bool = False
    # Attempt items by question id, shown where their quiz block was written (not when shuffled).
    # The others (all when shuffled, and any drawn from a pool) follow the lesson's content.
    placed: dict[str, AttemptItem] = field(default_factory=dict)
    # For the start page of a quiz that starts on request: how many questions it gives.
    question_count: int | None = None
    # Required lessons (`requires:`) not completed yet: until there are none, the lesson's quiz
    # does not open and it cannot be marked complete.
    missing: list[MissingLesson] = field(default_factory=list)
    # The lesson's HTML split at its quiz placeholders, once per page (the template, the placed
    # items and the start page's question count all read it).
    parts: list[str | QuestionPlaceholder] = field(default_factory=list)


def _placed(
    lesson: Lesson, quiz: QuizState | None, parts: list[str | QuestionPlaceholder]
) -> dict[str, AttemptItem]:
    if quiz is None or quiz.attempt is None or lesson.shuffle:
        return {}
    # Only the lesson's own questions have a place in its text; a drawn one has none.
    written = {part.question_id for part in parts if not isinstance(part, str)}
    return {
        item.slug: item for item in quiz.attempt.items if item.slug in written and item.version.data
    }


def _page(
    lesson: Lesson,
    visit: tuple[Enrollment | None, LessonProgress | None],
    quiz: QuizState | None,
    needs_write: bool,
    missing: list[MissingLesson],
) -> LessonPage:
    parts = split_on_placeholders(lesson.body_html)
    start_page = quiz is not None and quiz.starts_on_request and quiz.can_start and not missing
    count = question_count(lesson, parts) if start_page else None
    placed = _placed(lesson, quiz, parts)
    return LessonPage(*visit, quiz, needs_write, placed, count, missing, parts)


def read_lesson(session: Session, user: User, course: Course, lesson: Lesson) -> LessonPage:
    """The learner's progress and quiz state, read without writing."""
    enrollment, seen = progress.current_visit(session, user, course, lesson)
    missing = missing_lessons(session, user, lesson)
    quiz = attempts.read_state(session, user, lesson) if lesson.has_quiz else None
    # A quiz that still waits for its required lessons opens nothing, so it has nothing to write.
    needs_write = progress.view_needs_recording(enrollment, seen, lesson) or bool(
        quiz and quiz.needs_write and not missing
    )
    return _page(lesson, (enrollment, seen), quiz, needs_write, missing)


def record_lesson(session: Session, user: User, course: Course, lesson: Lesson) -> LessonPage:
    """Record the visit (enroll, start, "continue here"); open or close the quiz attempt of a
    quiz that starts on view (one that starts on request is only read)."""
    visit = progress.record_view(session, user, course, lesson)
    missing = missing_lessons(session, user, lesson)
    quiz = None
    if lesson.has_quiz:
        quiz = (
            attempts.read_state(session, user, lesson)
            if attempts.starts_on_request(lesson) or missing
            else attempts.open_state(session, user, course, lesson)
        )
    return _page(lesson, (visit.enrollment, visit.progress), quiz, False, missing)
