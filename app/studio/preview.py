"""Preview of a staged revision: its course page and lessons as learners will see them, for its
editors (and admins) only, with a switch that shows answers, feedback and explanations in place.

The revision is imported exactly as publishing would import it (app.studio.trial_import), in a
savepoint that is always rolled back, and the pages are rendered from what that import wrote:
the same sanitised lesson HTML and question data learners get. Nothing of it is ever committed,
so a learner can never reach a preview, not even by guessing a lesson's address.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.content.render import split_on_placeholders
from app.db import db
from app.models import CourseRevision, Lesson, Module, Question, QuestionVersion
from app.studio import editors, revisions, trial_import
from app.studio.access import studio_required
from app.studio.routes import bp


@dataclass(frozen=True)
class _Version:
    data: dict[str, Any]


@dataclass(frozen=True)
class PreviewQuestion:
    """A question shaped like an attempt's item, so the learners' macro renders it."""

    slug: str
    position: int
    version: _Version
    option_order: list[int]


def _previewable(token: str) -> CourseRevision:
    found = revisions.revision_by_token(db.session, token)
    user = current_user._get_current_object()
    if found is None or found.status != "staged" or found.error_count:
        abort(404)
    if not editors.may_see(db.session, user, found.course_slug):
        abort(404)
    return found


@bp.route("/revisions/<token>/preview")
@studio_required
def preview_course(token: str) -> str:
    """The staged revision's course page: overview and lessons, as learners will see it."""
    _previewable(token)
    # The import is rolled back at the end, but it writes while it lasts: a writer, which
    # reads the revision again.
    session = db.use_writer()
    found = _previewable(token)
    with trial_import.imported(session, found) as trial:
        if trial is None:
            abort(404)
        course = trial.course
        outline = session.execute(
            select(Module, Lesson)
            .join(Lesson, Lesson.module_id == Module.id)
            .where(Lesson.course_id == course.id, ~Lesson.archived, ~Module.archived)
            .order_by(Module.position, Lesson.position)
        ).all()
        return render_template(
            "studio/preview_course.html", revision=found, course=course, outline=outline
        )


@bp.route("/revisions/<token>/preview/lessons/<lesson_slug>")
@studio_required
def preview_lesson(token: str, lesson_slug: str) -> str:
    """One lesson of the staged revision; `?answers=1` shows answers and explanations."""
    _previewable(token)
    session = db.use_writer()
    found = _previewable(token)
    with trial_import.imported(session, found) as trial:
        if trial is None:
            abort(404)
        course = trial.course
        lesson = session.scalar(
            select(Lesson).where(
                Lesson.course_id == course.id, Lesson.slug == lesson_slug, ~Lesson.archived
            )
        )
        if lesson is None:
            abort(404)
        questions = _questions(session, lesson)
        return render_template(
            "studio/preview_lesson.html",
            revision=found,
            course=course,
            lesson=lesson,
            parts=split_on_placeholders(lesson.body_html),
            placed={q.slug: q for q in questions},
            total=len(questions),
            answers=request.args.get("answers") == "1",
        )


def _questions(session: Session, lesson: Lesson) -> list[PreviewQuestion]:
    """The lesson's own questions with their current version's data, in order."""
    rows = session.execute(
        select(Question.slug, QuestionVersion.data)
        .join(
            QuestionVersion,
            (QuestionVersion.question_id == Question.id)
            & (QuestionVersion.version == Question.version),
        )
        .where(Question.lesson_id == lesson.id, ~Question.archived)
        .order_by(Question.position)
    ).all()
    return [
        PreviewQuestion(
            slug, number, _Version(data), [o["position"] for o in data.get("options", [])]
        )
        for number, (slug, data) in enumerate(rows, start=1)
    ]
