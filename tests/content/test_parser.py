"""The parser turns course folders into the model: fields, defaults, segments and hashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.content.model import QuestionSegment, TextSegment
from app.content.parser import parse_course, parse_lesson_text, parse_pool_text
from app.content.quiz_blocks import parse_numeric
from tests.content.conftest import BuildCourse

QUESTIONS = """\
---
title: All the types
id: all-types
minutes: 12
pass_percent: 70
max_attempts: 2
time_limit_minutes: 15
shuffle: true
show_answers: never
draw: [{pool: extra, count: 1}]
---

Intro **text**.

::: quiz
id: pick
type: single
points: 2

Which one?

- [ ] First
  > Not this one,
  > really.
- [x] Second
- [ ] Third

Explanation: Because.
More explanation.
:::

Between the blocks.

::: quiz
id: several
type: multiple
scoring: partial

Which ones?

- [x] A
- [x] B
- [ ] C
:::

::: quiz
id: yes-no
type: truefalse

True?

= TRUE
:::

::: quiz
id: words
type: short
case: sensitive

Name it.

= Ｐython
=   two   words
:::

::: quiz
id: numbers
type: numeric

How much?

= 86400
= -3.14 +- 0.01
= .5 .. 1.5
= 1e3
:::

Closing words.
"""


def test_lesson_front_matter_and_settings() -> None:
    lesson, problems = parse_lesson_text(QUESTIONS, Path("m/03-types.md"))
    assert problems == []
    assert (lesson.id, lesson.title, lesson.minutes) == ("all-types", "All the types", 12)
    settings = lesson.settings
    assert settings.pass_percent == 70
    assert settings.max_attempts == 2
    assert settings.time_limit_minutes == 15
    assert settings.shuffle is True
    assert settings.show_answers == "never"
    assert [(d.pool, d.count, d.line) for d in settings.draw] == [("extra", 1, 10)]


def test_lesson_body_keeps_text_and_quiz_places_in_order() -> None:
    lesson, _ = parse_lesson_text(QUESTIONS, Path("m/03-types.md"))
    kinds = [
        (type(s).__name__, s.line, s.text if isinstance(s, TextSegment) else s.question_id)
        for s in lesson.body
    ]
    assert kinds == [
        ("TextSegment", 13, "Intro **text**."),
        ("QuestionSegment", 15, "pick"),
        ("TextSegment", 32, "Between the blocks."),
        ("QuestionSegment", 34, "several"),
        ("QuestionSegment", 46, "yes-no"),
        ("QuestionSegment", 55, "words"),
        ("QuestionSegment", 66, "numbers"),
        ("TextSegment", 78, "Closing words."),
    ]
    markdown = lesson.markdown(lambda ref: f"[[{ref.question_id}]]")
    assert markdown.index("Intro") < markdown.index("[[pick]]") < markdown.index("Between")
    assert "Which one?" not in markdown and "Because" not in markdown


def test_choice_questions_keep_options_feedback_and_explanation() -> None:
    lesson, _ = parse_lesson_text(QUESTIONS, Path("m/03-types.md"))
    pick, several = lesson.questions[0], lesson.questions[1]
    assert (pick.id, pick.type, pick.points, pick.scoring, pick.line) == (
        "pick",
        "single",
        2,
        "all",
        15,
    )
    assert pick.prompt == "Which one?"
    assert [(o.position, o.text, o.correct, o.feedback, o.line) for o in pick.options] == [
        (1, "First", False, "Not this one,\nreally.", 22),
        (2, "Second", True, "", 25),
        (3, "Third", False, "", 26),
    ]
    assert pick.explanation == "Because.\nMore explanation."
    assert pick.answers == ()
    assert several.scoring == "partial"
    assert [o.correct for o in several.options] == [True, True, False]


def test_answer_questions_keep_parsed_answers() -> None:
    lesson, _ = parse_lesson_text(QUESTIONS, Path("m/03-types.md"))
    yes_no, words, numbers = lesson.questions[2:]
    assert yes_no.answers == (True,)
    assert words.case_sensitive is True
    assert words.answers == ("Ｐython", "two   words")
    assert numbers.answers == ((86400.0, 86400.0), (-3.15, -3.13), (0.5, 1.5), (1000.0, 1000.0))
    assert numbers.case_sensitive is False and numbers.options == ()


@pytest.mark.parametrize(
    ("text", "bounds"),
    [
        ("42", (42.0, 42.0)),
        ("-7.5", (-7.5, -7.5)),
        ("+.25", (0.25, 0.25)),
        ("3.14 +- 0.005", (3.135, 3.145)),
        ("10±1", (9.0, 11.0)),
        ("-2 .. -1", (-2.0, -1.0)),
        ("1..2", (1.0, 2.0)),
        ("0 +- 0", (0.0, 0.0)),
    ],
)
def test_numeric_answers_parse_to_bounds(text: str, bounds: tuple[float, float]) -> None:
    assert parse_numeric(text) == bounds


@pytest.mark.parametrize("text", ["1,5", "abc", "1 +- -1", "5 .. 2", "nan", "inf", "1e999", "1 2"])
def test_bad_numeric_answers_say_what_is_wrong(text: str) -> None:
    assert isinstance(parse_numeric(text), str)


def test_lesson_id_defaults_to_file_name_without_prefix() -> None:
    lesson, problems = parse_lesson_text("---\ntitle: T\nminutes: 1\n---\n", Path("03-phishing.md"))
    assert (lesson.id, problems) == ("phishing", [])


def test_windows_line_ends_and_byte_order_mark_are_read(build_course: BuildCourse) -> None:
    lines = ["---", "title: T", "minutes: 3", "---", "::: quiz", "id: q", "type: truefalse"]
    text = "\ufeff" + "\r\n".join([*lines, "", "Ok?", "", "= false", ":::", ""])
    root = build_course({"01-basics/01-first.md": text.encode("utf-8")})
    course, problems = parse_course(root)
    assert problems == []
    assert course is not None
    lesson = course.modules[0].lessons[0]
    assert lesson.questions[0].answers == (False,)
    assert lesson.questions[0].line == 5


def test_quiz_markers_inside_fences_stay_text() -> None:
    body = "```md\n::: quiz\nid: x\n```\n\n~~~~\n```\n::: quiz\n~~~~\n"
    lesson, problems = parse_lesson_text(f"---\ntitle: T\nminutes: 1\n---\n{body}", Path("a.md"))
    assert problems == []
    assert lesson.questions == ()
    assert [type(s) for s in lesson.body] == [TextSegment]


def test_course_module_and_pool_fields(build_course: BuildCourse) -> None:
    root = build_course(
        {
            "02-data-and-you/01-intro.md": "---\ntitle: Intro\nminutes: 4\n---\nText\n",
            "pools/extra.md": "::: quiz\nid: p1\ntype: short\n\nSay.\n\n= a\n:::\n",
        }
    )
    course, _ = parse_course(root)
    assert course is not None
    assert (course.id, course.title, course.language, course.credit_hours, course.status) == (
        "course-a",
        "Course A",
        "en",
        2.0,
        "published",
    )
    assert course.tags == ("testing",)
    assert course.overview == "Overview of course A."
    first, second = course.modules
    assert (first.id, first.title, first.intro, first.source) == (
        "basics",
        "The basics",
        "Introduction.",
        root / "01-basics" / "module.md",
    )
    assert (second.id, second.title, second.source) == ("data-and-you", "Data and you", None)
    assert [lesson.id for lesson in course.lessons()] == ["first", "intro"]
    assert [(p.name, [q.id for q in p.questions]) for p in course.pools] == [("extra", ["p1"])]
    assert course.pools[0].questions[0].pool == "extra"
    assert [q.id for q in course.questions()] == ["q-first", "p1"]


def test_pool_text_parses_only_quiz_blocks() -> None:
    pool, problems = parse_pool_text(
        "::: quiz\nid: a\ntype: truefalse\n\nOk?\n\n= true\n:::\n", Path("pools/p.md")
    )
    assert problems == []
    assert (pool.name, [q.id for q in pool.questions]) == ("p", ["a"])


def test_content_hashes_change_only_with_content(build_course: BuildCourse) -> None:
    root = build_course({"01-basics/02-second.md": "---\ntitle: S\nminutes: 2\n---\nText\n"})
    before, _ = parse_course(root)
    (root / "01-basics" / "02-second.md").write_text("---\ntitle: S\nminutes: 2\n---\n\n\nText\n")
    same, _ = parse_course(root)
    (root / "01-basics" / "02-second.md").write_text("---\ntitle: S\nminutes: 2\n---\nNew text\n")
    after, _ = parse_course(root)
    assert before is not None and same is not None and after is not None
    assert len(before.content_hash) == 64
    assert same.content_hash == before.content_hash
    assert after.content_hash != before.content_hash
    first_before, second_before = before.modules[0].lessons
    first_after, second_after = after.modules[0].lessons
    assert first_after.content_hash == first_before.content_hash
    assert first_after.questions[0].content_hash == first_before.questions[0].content_hash
    assert second_after.content_hash != second_before.content_hash


def test_question_hash_follows_answers() -> None:
    text = "---\ntitle: T\nminutes: 1\n---\n::: quiz\nid: q\ntype: short\n\nSay.\n\n= {}\n:::\n"
    one, _ = parse_lesson_text(text.format("a"), Path("a.md"))
    two, _ = parse_lesson_text(text.format("b"), Path("a.md"))
    assert one.questions[0].content_hash != two.questions[0].content_hash
    assert one.content_hash != two.content_hash


def test_unreadable_lesson_is_a_problem_not_an_exception(build_course: BuildCourse) -> None:
    root = build_course({"01-basics/02-broken.md": b"---\n\xff\xfe\n---\n"})
    course, problems = parse_course(root)
    assert course is not None
    assert [(p.path.name, p.line, p.severity) for p in problems] == [("02-broken.md", 2, "error")]


def test_question_ref_is_the_placeholder_type() -> None:
    lesson, _ = parse_lesson_text(QUESTIONS, Path("m/03-types.md"))
    refs = [s for s in lesson.body if isinstance(s, QuestionSegment)]
    assert [r.question_id for r in refs] == [q.id for q in lesson.questions]
