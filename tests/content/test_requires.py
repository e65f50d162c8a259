"""`requires:` in lesson front matter, and `show_answers: after_final` for closing tests."""

from __future__ import annotations

from app.content.parser import parse_course
from tests.content.conftest import BuildCourse, ProblemRows

LESSON_A = "course-a/01-basics/01-first.md"
LESSON_B = "course-a/01-basics/02-second.md"
LESSON_C = "course-a/01-basics/03-third.md"


def text_lesson(title: str, front: str = "") -> str:
    """A lesson without a quiz; `front` lines go after `minutes` (line 4 onwards)."""
    return f"---\ntitle: {title}\nminutes: 5\n{front}---\nText of {title}.\n"


def three(a: str = "", b: str = "", c: str = "") -> dict[str, str | bytes | None]:
    return {
        "01-basics/01-first.md": text_lesson("First", a),
        "01-basics/02-second.md": text_lesson("Second", b),
        "01-basics/03-third.md": text_lesson("Third", c),
    }


def test_a_list_of_existing_lessons_and_all_are_accepted(
    build_course: BuildCourse, problems_of: ProblemRows
) -> None:
    root = build_course(three(b="requires: [first]\n", c="requires: all\n"))
    assert problems_of(root) == []
    course, _problems = parse_course(root)
    lessons = {lesson.id: lesson for lesson in course.lessons()}
    assert lessons["second"].requires == ("first",) and not lessons["second"].requires_all
    assert lessons["third"].requires_all and lessons["third"].requires_line == 4
    assert lessons["first"].requires == () and not lessons["first"].requires_all


def test_an_unknown_lesson_id_is_an_error_on_the_requires_line(
    build_course: BuildCourse, problems_of: ProblemRows
) -> None:
    root = build_course(three(b="requires: [frist]\n"))
    assert problems_of(root) == [
        (
            LESSON_B,
            4,
            "error",
            '`requires` names "frist", but the course has no lesson with that id',
        )
    ]


def test_a_lesson_requiring_itself_is_an_error(
    build_course: BuildCourse, problems_of: ProblemRows
) -> None:
    root = build_course(three(b="requires: [second]\n"))
    assert problems_of(root) == [(LESSON_B, 4, "error", "a lesson cannot require itself")]


def test_lessons_requiring_each_other_in_a_circle_are_errors_on_each(
    build_course: BuildCourse, problems_of: ProblemRows
) -> None:
    circle = three(a="requires: [third]\n", b="requires: [first]\n", c="requires: [second]\n")
    root = build_course(circle)
    rows = problems_of(root)
    assert [(path, line, severity) for path, line, severity, _m in rows] == [
        (LESSON_A, 4, "error"),
        (LESSON_B, 4, "error"),
        (LESSON_C, 4, "error"),
    ]
    assert "first → third → second → first" in rows[0][3]


def test_two_lessons_that_both_require_all_form_a_circle(
    build_course: BuildCourse, problems_of: ProblemRows
) -> None:
    root = build_course(three(b="requires: all\n", c="requires: all\n"))
    rows = problems_of(root)
    assert {(path, line) for path, line, _s, _m in rows} == {(LESSON_B, 4), (LESSON_C, 4)}
    assert all("circle" in message for *_rest, message in rows)


def test_a_malformed_requires_says_what_to_write(
    build_course: BuildCourse, problems_of: ProblemRows
) -> None:
    root = build_course(three(b="requires: first\n", c="requires: [Not An Id]\n"))
    rows = problems_of(root)
    assert rows[0][:3] == (LESSON_B, 4, "error")
    assert "`requires: [lesson-id, other-lesson]` or `requires: all`" in rows[0][3]
    assert rows[1][:3] == (LESSON_C, 4, "error")
    assert 'the required lesson "Not An Id" is not a valid id' in rows[1][3]


DRAWING = """\
---
title: Closing test
minutes: 10
draw: [{pool: final, count: 1}]
{extra}---
Answer the drawn question.
"""
POOL = """\
::: quiz
id: p1
type: truefalse

Tea is a drink.

= true
:::
"""


def test_a_lesson_that_draws_from_a_pool_shows_answers_after_the_final_attempt_by_default(
    build_course: BuildCourse,
) -> None:
    root = build_course(
        {"01-basics/02-test.md": DRAWING.replace("{extra}", ""), "pools/final.md": POOL}
    )
    course, problems = parse_course(root)
    assert [p for p in problems if p.severity == "error"] == []
    lessons = {lesson.id: lesson for lesson in course.lessons()}
    assert lessons["test"].settings.show_answers == "after_final"
    assert lessons["first"].settings.show_answers == "after_pass"


def test_after_final_can_be_written_and_an_explicit_choice_wins(
    build_course: BuildCourse, problems_of: ProblemRows
) -> None:
    root = build_course(
        {
            "01-basics/02-test.md": DRAWING.replace("{extra}", "show_answers: after_submit\n"),
            "01-basics/01-first.md": text_lesson("First")
            .replace("---\nText", "show_answers: after_final\n---\nText"),
            "pools/final.md": POOL,
        }
    )
    course, _problems = parse_course(root)
    lessons = {lesson.id: lesson for lesson in course.lessons()}
    assert lessons["test"].settings.show_answers == "after_submit"
    # `after_final` is a known value: no "must be one of" error. The warnings are the no-quiz
    # one and the pool the after_submit lesson shows in full (app.content.quality).
    rows = problems_of(root)
    assert [row[2] for row in rows] == ["warning", "warning"]
    assert any("a learner sees the answers" in row[3] for row in rows)


def test_sync_stores_what_each_lesson_requires_with_all_resolved(sync_course, session) -> None:
    from sqlalchemy import select

    from app.models import Lesson
    from tests.content.conftest import BASE_TREE

    files = {**BASE_TREE, **three(b="requires: [first]\n", c="requires: all\n")}
    files.pop("01-basics/01-first.md", None)
    files["01-basics/01-first.md"] = text_lesson("First")
    sync_course(files)
    stored = dict(session.execute(select(Lesson.slug, Lesson.requires)).all())
    assert stored == {"first": [], "second": ["first"], "third": ["first", "second"]}


def test_missing_lessons_are_the_required_ones_not_yet_completed_in_course_order(
    sync_course, session, make_user
) -> None:
    from sqlalchemy import select

    from app.models import Lesson, LessonProgress
    from app.models.types import utcnow
    from app.progress.prerequisites import MissingLesson, missing_lessons
    from tests.content.conftest import BASE_TREE

    files = {**BASE_TREE, **three(c="requires: all\n")}
    sync_course(files)
    ann = make_user("ann")
    lessons = {row.slug: row for row in session.scalars(select(Lesson))}
    third = lessons["third"]
    assert missing_lessons(session, ann, third) == [
        MissingLesson("first", "First"),
        MissingLesson("second", "Second"),
    ]
    assert missing_lessons(session, ann, lessons["second"]) == []  # requires nothing
    session.add(
        LessonProgress(
            user_id=ann.id,
            lesson_id=lessons["second"].id,
            course_id=third.course_id,
            first_viewed_at=utcnow(),
            completed_at=utcnow(),
            seconds_spent=0,
        )
    )
    session.flush()
    assert missing_lessons(session, ann, third) == [MissingLesson("first", "First")]
