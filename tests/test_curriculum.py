"""The shipped curriculum: clean under the checker, and the shape the training office relies on."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from app.content.check import check_paths
from app.content.frontmatter import Problems
from app.content.model import QUESTION_TYPES
from app.content.quality import check_question_quality

COURSES_DIR = Path(__file__).resolve().parent.parent / "courses"


@pytest.fixture(scope="module")
def report():
    return check_paths([COURSES_DIR])


@pytest.fixture(scope="module")
def published(report):
    return [c for c in report.courses if c.status == "published"]


def test_checker_reports_no_error_and_no_warning_not_even_on_question_quality(report):
    # Info lines (such as an estimated `minutes`) are allowed: they note, they do not object.
    problems = [p for p in report.problems if p.severity != "info"]
    assert [f"{p.path}:{p.line}: {p.message}" for p in problems] == []
    quality = Problems()
    for course in report.courses:
        check_question_quality(course, quality)
    assert list(quality) == []


def test_flask_courses_check_passes_on_the_shipped_folder(runner):
    result = runner.invoke(args=["courses", "check"])
    assert result.exit_code == 0, result.output
    assert "0 errors" in result.output


def test_five_published_courses_in_both_languages(published):
    assert len(published) >= 5
    languages = Counter(c.language for c in published)
    assert languages["zh"] >= 2 and languages["en"] >= 2


@pytest.mark.parametrize("minimum_modules,minimum_lessons,minimum_questions", [(3, 8, 25)])
def test_every_course_has_enough_modules_lessons_and_questions(
    published, minimum_modules, minimum_lessons, minimum_questions
):
    for course in published:
        lessons = list(course.lessons())
        assert len(course.modules) >= minimum_modules, course.id
        assert len(lessons) >= minimum_lessons, course.id
        assert sum(1 for _ in course.questions()) >= minimum_questions, course.id


def test_every_course_uses_all_five_question_types(published):
    for course in published:
        assert {q.type for q in course.questions()} == set(QUESTION_TYPES), course.id


def test_every_course_ends_with_a_closing_test_drawn_from_a_pool(published):
    for course in published:
        last = list(course.lessons())[-1]
        assert last.settings.draw, course.id
        pools = {p.name: len(p.questions) for p in course.pools}
        for draw in last.settings.draw:
            assert pools[draw.pool] >= draw.count, course.id


def test_credit_hours_follow_thirty_minutes_per_hour(published):
    for course in published:
        minutes = sum(lesson.minutes for lesson in course.lessons())
        assert abs(course.credit_hours - minutes / 30) <= 1, (course.id, minutes)


def test_questions_explain_and_wrong_options_give_feedback(published):
    for course in published:
        for question in course.questions():
            assert question.explanation.strip(), (course.id, question.id)
            for option in question.options:
                if not option.correct:
                    assert option.feedback.strip(), (course.id, question.id, option.position)


def test_lessons_end_with_a_summary(published):
    for course in published:
        for lesson in list(course.lessons())[:-1]:  # the closing test has none
            text = "\n".join(getattr(s, "text", "") for s in lesson.body)
            assert "## Summary" in text or "## 小结" in text, (course.id, lesson.id)
