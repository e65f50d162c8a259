"""What opening a lesson reads and records: the learner's progress and the lesson's quiz.

A revisit only reads (`find_lesson`, then `read_lesson`): with an open quiz attempt that is
four statements in all, the signed-in user's included. The first visit, a change of lesson,
opening a quiz attempt or closing one whose time ran out write (`record_lesson`), in a
transaction that is a writer from its start; `LessonPage.needs_write` says which of the two a
request needs. A timed or attempt-limited quiz is never opened or closed by a view: its start
page is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, bindparam, select, true
from sqlalchemy.orm import Session, aliased

from app.content.lookup import sees_drafts
from app.content.render import QuestionPlaceholder, split_on_placeholders
from app.learning.services import Neighbour
from app.models import AttemptItem, Course, Enrollment, Lesson, LessonProgress, User
from app.progress import recording as progress
from app.progress.prerequisites import MissingLesson, missing_lessons
from app.quiz import attempts
from app.quiz.attempts import QuizState
from app.quiz.rules import question_count


@dataclass(frozen=True)
class FoundLesson:
    """A visible lesson as its page opens it: course, lesson, the learner's enrollment and
    progress (None before the first visit), and the pager's previous and next lessons."""

    course: Course
    lesson: Lesson
    enrollment: Enrollment | None
    progress: LessonProgress | None
    previous: Neighbour | None
    next: Neighbour | None


def _find_lesson_query(drafts: bool) -> Select[Any]:
    """The statement of `find_lesson`, for learners (published courses only) or for those who
    see drafts; the slugs and the user are bound parameters."""
    user_id = bindparam("user_id")
    before, after = aliased(Lesson, name="previous_lesson"), aliased(Lesson, name="next_lesson")
    return (
        select(
            Course,
            Lesson,
            Enrollment,
            LessonProgress,
            before.slug,
            before.title,
            before.position,
            after.slug,
            after.title,
            after.position,
        )
        .join(Lesson, Lesson.course_id == Course.id)
        .outerjoin(
            Enrollment, and_(Enrollment.user_id == user_id, Enrollment.course_id == Course.id)
        )
        .outerjoin(
            LessonProgress,
            and_(LessonProgress.user_id == user_id, LessonProgress.lesson_id == Lesson.id),
        )
        .outerjoin(before, before.id == Lesson.previous_lesson_id)
        .outerjoin(after, after.id == Lesson.next_lesson_id)
        .where(
            Course.slug == bindparam("course_slug"),
            # app.content.lookup.visible_courses, fixed for one kind of user.
            true() if drafts else Course.status == "published",
            Lesson.slug == bindparam("lesson_slug"),
            Lesson.archived.is_(False),
        )
    )


# Every lesson page runs one of these: built once, because building a statement (and its
# cache key) costs more than SQLite takes to answer it.
_FIND_LESSON = {drafts: _find_lesson_query(drafts) for drafts in (False, True)}


def find_lesson(
    session: Session, user: User, course_slug: str, lesson_slug: str
) -> FoundLesson | None:
    """The lesson a URL names, if `user` may open it (see app.content.lookup), with everything
    `FoundLesson` holds, in one query (previous and next are stored on the lesson at sync)."""
    params = {"user_id": user.id, "course_slug": course_slug, "lesson_slug": lesson_slug}
    row = session.execute(_FIND_LESSON[sees_drafts(user)], params).first()
    if row is None:
        return None
    course, lesson, enrollment, seen = row[:4]
    previous = Neighbour(*row[4:7]) if row[4] is not None else None
    following = Neighbour(*row[7:10]) if row[7] is not None else None
    return FoundLesson(course, lesson, enrollment, seen, previous, following)


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


def read_lesson(session: Session, user: User, found: FoundLesson) -> LessonPage:
    """The learner's progress (as `find_lesson` read it) and quiz state, read without writing."""
    lesson, enrollment, seen = found.lesson, found.enrollment, found.progress
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
    # Two tabs opening a lesson for the first time at once queue here (a row lock on
    # PostgreSQL; SQLite writers are serialised anyway), so the second one finds the
    # enrollment the first created instead of failing on its unique index.
    session.execute(select(User.id).where(User.id == user.id).with_for_update())
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
