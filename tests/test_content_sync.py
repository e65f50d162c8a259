"""`courses sync`: identity by id, skip by hash, archive never delete, answers kept out of HTML."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models import (
    Course,
    CourseAsset,
    Enrollment,
    Lesson,
    LessonProgress,
    Module,
    Question,
    QuestionVersion,
)
from app.models.types import utcnow

COURSE_MD = """---
id: demo-course
title: Demo course
summary: A course for the sync tests.
language: en
credit_hours: 2
status: published
---
Overview with a diagram: ![flow](assets/flow.svg)
"""

LESSON = """---
title: {title}
minutes: 10
---
## Part one

Some text about {title}. ![flow](../assets/flow.svg)
"""

QUIZ_LESSON = """---
title: Quiz lesson
minutes: 10
---
Before the question.

::: quiz
id: q-verb
type: single

Which method **reads** a page?

- [x] GET
- [ ] POST
  > SECRET-FEEDBACK posts data.

Explanation: SECRET-EXPLANATION GET is safe.
:::

After the question.
"""

SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>flow</title></svg>'


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    """A small valid course folder: two modules, three lessons, a quiz, an asset."""
    root = tmp_path / "courses" / "demo-course"
    _write(root / "course.md", COURSE_MD)
    _write(root / "assets" / "flow.svg", SVG)
    _write(root / "01-start" / "module.md", "---\nid: start\ntitle: Start\n---\nIntro.\n")
    _write(root / "01-start" / "01-welcome.md", LESSON.format(title="Welcome"))
    _write(root / "01-start" / "02-quiz.md", QUIZ_LESSON)
    _write(root / "02-more" / "01-extra.md", LESSON.format(title="Extra"))
    return root


def _sync(runner, path: Path):  # noqa: ANN001, ANN202
    result = runner.invoke(args=["courses", "sync", str(path)])
    return result


def _lesson(session, slug: str) -> Lesson:  # noqa: ANN001
    return session.scalar(select(Lesson).where(Lesson.slug == slug))


def test_first_sync_imports_everything(runner, session, course_dir):
    result = _sync(runner, course_dir)
    assert result.exit_code == 0, result.output
    assert "demo-course: added; lessons: 3 added" in result.output
    course = session.scalar(select(Course))
    assert (course.slug, course.lesson_count, course.module_count) == ("demo-course", 3, 2)
    assert [m.slug for m in course.modules] == ["start", "more"]
    assert session.scalar(select(func.count(Question.id))) == 1
    assert session.scalar(select(CourseAsset.path)) == "flow.svg"


def test_second_sync_changes_nothing(runner, session, course_dir):
    _sync(runner, course_dir)
    before = session.scalar(select(Course.version))
    result = _sync(runner, course_dir)
    assert "demo-course: unchanged" in result.output
    assert "3 unchanged" in result.output
    assert session.scalar(select(Course.version)) == before
    assert session.scalar(select(func.count(QuestionVersion.id))) == 1


def test_quiz_answers_feedback_and_explanations_stay_out_of_lesson_html(
    runner, session, course_dir
):
    _sync(runner, course_dir)
    html = _lesson(session, "quiz").body_html
    assert "Before the question." in html and "After the question." in html
    assert 'id="quiz-slot-q-verb"' in html
    for secret in ("SECRET-FEEDBACK", "SECRET-EXPLANATION", "GET", "POST", "[x]"):
        assert secret not in html


def test_question_is_stored_rendered_for_grading(runner, session, course_dir):
    _sync(runner, course_dir)
    version = session.scalar(select(QuestionVersion))
    assert version.data["type"] == "single"
    assert "<strong>reads</strong>" in version.data["prompt_html"]
    assert [o["correct"] for o in version.data["options"]] == [True, False]
    assert "SECRET-FEEDBACK" in version.data["options"][1]["feedback_html"]


def test_asset_links_get_a_cache_busting_url(runner, session, course_dir):
    _sync(runner, course_dir)
    html = _lesson(session, "welcome").body_html
    assert 'src="/courses/demo-course/assets/flow.svg?v=' in html


def test_reorder_rename_and_move_keep_identity_and_progress(runner, session, course_dir, make_user):
    _sync(runner, course_dir)
    lesson = _lesson(session, "extra")
    user = make_user("ann")
    session.add(
        LessonProgress(
            user_id=user.id, lesson_id=lesson.id, course_id=lesson.course_id, completed_at=utcnow()
        )
    )
    original_id, original_module = lesson.id, lesson.module_id
    # Move "extra" into the first module, first place, under a new file name.
    (course_dir / "02-more" / "01-extra.md").rename(course_dir / "01-start" / "00-extra.md")
    shutil.rmtree(course_dir / "02-more")
    result = _sync(runner, course_dir)
    assert result.exit_code == 0, result.output
    moved = _lesson(session, "extra")
    assert moved.id == original_id
    assert moved.module_id != original_module, result.output
    assert moved.position == 1
    assert session.scalar(select(LessonProgress.lesson_id)) == original_id
    archived_module = session.scalar(select(Module).where(Module.slug == "more"))
    assert archived_module.archived is True


def test_removed_lesson_is_archived_not_deleted(runner, session, course_dir):
    _sync(runner, course_dir)
    (course_dir / "01-start" / "01-welcome.md").unlink()
    result = _sync(runner, course_dir)
    assert "1 archived" in result.output
    welcome = _lesson(session, "welcome")
    assert welcome is not None and welcome.archived is True
    assert session.scalar(select(Course.lesson_count)) == 2


def test_archived_lesson_comes_back_when_restored(runner, session, course_dir):
    _sync(runner, course_dir)
    text = (course_dir / "01-start" / "01-welcome.md").read_text()
    (course_dir / "01-start" / "01-welcome.md").unlink()
    _sync(runner, course_dir)
    (course_dir / "01-start" / "01-welcome.md").write_text(text)
    _sync(runner, course_dir)
    assert _lesson(session, "welcome").archived is False


def test_removed_question_is_archived_and_its_versions_kept(runner, session, course_dir):
    _sync(runner, course_dir)
    _write(
        course_dir / "01-start" / "02-quiz.md",
        "---\ntitle: Quiz lesson\nminutes: 10\n---\nNo quiz.\n",
    )
    result = _sync(runner, course_dir)
    assert "questions: 0 added, 0 updated, 1 archived" in result.output
    assert session.scalar(select(Question.archived)) is True
    assert session.scalar(select(func.count(QuestionVersion.id))) == 1


def test_edited_question_gets_a_new_version_and_keeps_the_old(runner, session, course_dir):
    _sync(runner, course_dir)
    path = course_dir / "01-start" / "02-quiz.md"
    path.write_text(path.read_text().replace("- [ ] POST", "- [ ] PUT"))
    result = _sync(runner, course_dir)
    assert "questions: 0 added, 1 updated" in result.output
    versions = session.scalars(select(QuestionVersion.version).order_by(QuestionVersion.version))
    assert list(versions) == [1, 2]


def test_course_with_errors_is_refused_and_nothing_is_written(runner, session, course_dir):
    path = course_dir / "01-start" / "02-quiz.md"
    path.write_text(path.read_text().replace("- [ ] POST", "- [x] POST"))
    result = _sync(runner, course_dir)
    assert result.exit_code == 1
    assert "02-quiz.md:" in result.output and "error" in result.output
    assert "refused" in result.output
    assert session.scalar(select(func.count(Course.id))) == 0


def test_archiving_the_last_open_lesson_completes_in_progress_learners(
    runner, session, course_dir, make_user
):
    _sync(runner, course_dir)
    user = make_user("ann")
    course = session.scalar(select(Course))
    done = [_lesson(session, "welcome"), _lesson(session, "quiz")]
    for lesson in done:
        session.add(
            LessonProgress(
                user_id=user.id, lesson_id=lesson.id, course_id=course.id, completed_at=utcnow()
            )
        )
    session.add(
        Enrollment(
            user_id=user.id,
            course_id=course.id,
            status="in_progress",
            completed_lessons=2,
            percent=66.7,
            started_at=utcnow(),
        )
    )
    shutil.rmtree(course_dir / "02-more")
    _sync(runner, course_dir)
    enrollment = session.scalar(select(Enrollment))
    assert enrollment.status == "completed"
    assert enrollment.credit_hours_awarded == 2
    assert enrollment.completed_version == 2


def test_shipped_courses_sync_cleanly(runner, session):
    result = runner.invoke(args=["courses", "sync"])
    assert result.exit_code == 0, result.output
    assert "refused 0" in result.output
    assert session.scalar(select(func.count(Course.id))) >= 5
