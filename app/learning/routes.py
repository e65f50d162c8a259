"""Learner pages: catalogue, course, lesson, completion, time heartbeats, course assets."""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.content.render import split_on_placeholders
from app.db import db
from app.i18n import local_now
from app.learning import bp, progress, services
from app.learning.forms import CompleteLessonForm
from app.models import CourseAsset
from app.quiz import services as quiz_services
from app.quiz.forms import NewAttemptForm, SubmitAttemptForm

ASSET_CACHE_SECONDS = 365 * 24 * 3600
# An SVG opened on its own must not run script or load anything, whatever it contains.
ASSET_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


def _user():  # noqa: ANN202
    return current_user._get_current_object()


@bp.route("/courses")
@login_required
def catalogue() -> str:
    """Published courses (drafts too for trainers), searchable, with the learner's progress."""
    search = request.args.get("q", "").strip()[:100]
    language = request.args.get("language", "")
    page = request.args.get("page", 1, type=int) or 1
    result = services.catalogue(db.session, _user(), search=search, language=language, page=page)
    return render_template(
        "learning/catalogue.html", result=result, search=search, language=language
    )


@bp.route("/courses/<course_slug>")
@login_required
def course(course_slug: str) -> str:
    """A course's overview, modules and lessons with progress, and where to continue."""
    found = services.find_course(db.session, _user(), course_slug)
    if found is None:
        abort(404)
    outline = services.course_outline(db.session, _user(), found)
    return render_template("learning/course.html", outline=outline, course=found)


@bp.route("/courses/<course_slug>/lessons/<lesson_slug>")
@login_required
def lesson(course_slug: str, lesson_slug: str) -> str:
    """A lesson: its content, questions where they were written, previous/next links.

    Revisiting a lesson only reads. The first visit, a change of lesson and opening a quiz
    attempt write, in a transaction that is a writer from its start.
    """
    found = services.find_lesson(db.session, _user(), course_slug, lesson_slug)
    if found is None:
        abort(404)
    course, lesson = found
    enrollment, seen = progress.current_visit(db.session, _user(), course, lesson)
    quiz = None
    if lesson.has_quiz:
        quiz = quiz_services.quiz_state(db.session, _user(), course, lesson, write=False)
    if progress.view_needs_recording(enrollment, seen, lesson) or (quiz and quiz.needs_write):
        db.use_writer()
        visit = progress.record_view(db.session, _user(), course, lesson)
        if lesson.has_quiz:
            quiz = quiz_services.quiz_state(db.session, _user(), course, lesson)
        db.session.commit()
        enrollment, seen = visit.enrollment, visit.progress
    prev, nxt = services.neighbours(db.session, lesson)
    return render_template(
        "learning/lesson.html",
        course=course,
        lesson=lesson,
        parts=split_on_placeholders(lesson.body_html),
        quiz=quiz,
        placed=_placed_items(lesson, quiz),
        visit=progress.LessonVisit(enrollment=enrollment, progress=seen),
        prev=prev,
        next=nxt,
        form=CompleteLessonForm(),
        quiz_form=SubmitAttemptForm(),
        again_form=NewAttemptForm(),
    )


def _placed_items(lesson, quiz) -> dict:  # noqa: ANN001
    """Attempt items to show where their quiz block was written (not when shuffled)."""
    if quiz is None or quiz.attempt is None or lesson.shuffle:
        return {}
    return {item.slug: item for item in quiz.attempt.items if item.version.data}


@bp.route("/courses/<course_slug>/lessons/<lesson_slug>/complete", methods=["POST"])
@login_required
def complete(course_slug: str, lesson_slug: str) -> Response:
    """Mark a lesson without a quiz as complete, then go on to the next lesson."""
    found = services.find_lesson(db.session, _user(), course_slug, lesson_slug)
    if found is None:
        abort(404)
    course, lesson = found
    form = CompleteLessonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        enrollment = progress.mark_complete(db.session, _user(), course, lesson)
    except progress.ProgressError:
        db.session.rollback()
        flash(_("This lesson is completed by passing its quiz."), "error")
        return redirect(url_for(".lesson", course_slug=course_slug, lesson_slug=lesson_slug))
    db.session.commit()
    if enrollment.status == "completed":
        flash(
            _(
                "Course completed: %(hours)s credit hours awarded.",
                hours=_hours(enrollment.credit_hours_awarded),
            ),
            "success",
        )
        return redirect(url_for(".course", course_slug=course_slug))
    flash(_("Lesson marked as complete."), "success")
    _prev, nxt = services.neighbours(db.session, lesson)
    if nxt is not None:
        return redirect(url_for(".lesson", course_slug=course_slug, lesson_slug=nxt.slug))
    return redirect(url_for(".course", course_slug=course_slug))


def _hours(value: float) -> str:
    return format_decimal(value, format="#,##0.#")


@bp.route("/courses/<course_slug>/lessons/<lesson_slug>/heartbeat", methods=["POST"])
@login_required
def heartbeat(course_slug: str, lesson_slug: str) -> Response:
    """Count time on task; sent by static/js/lesson.js while the learner is active."""
    found = services.find_lesson(db.session, _user(), course_slug, lesson_slug)
    if found is None:
        abort(404)
    _course, lesson = found
    seconds = progress.record_heartbeat(
        db.session, _user(), lesson, cap_minutes=current_app.config.get("LESSON_TIME_CAP_MINUTES")
    )
    db.session.commit()
    return jsonify(seconds=seconds)


@bp.route("/courses/<course_slug>/assets/<path:name>")
@login_required
def asset(course_slug: str, name: str) -> Response:
    """A file from a course's assets/ folder, looked up by exact name (no file system paths)."""
    course = services.find_course(db.session, _user(), course_slug)
    if course is None:
        abort(404)
    found = db.session.scalar(
        select(CourseAsset).where(CourseAsset.course_id == course.id, CourseAsset.path == name)
    )
    if found is None:
        abort(404)
    response = current_app.response_class(found.data, mimetype=found.content_type)
    response.set_etag(found.sha256)
    if request.args.get("v") and found.sha256.startswith(request.args["v"]):
        response.headers["Cache-Control"] = f"private, max-age={ASSET_CACHE_SECONDS}, immutable"
    else:
        response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Content-Security-Policy"] = ASSET_CSP
    response.headers["Content-Disposition"] = "inline"
    return response.make_conditional(request)


@bp.app_template_filter("hours")
def hours_filter(value: float) -> str:
    """Credit hours with at most one decimal, in the page's locale."""
    return _hours(value or 0)


@bp.app_context_processor
def inject_today() -> dict[str, object]:
    """`today` (the local date) for due dates and overdue marks in every template."""
    return {"today": local_now().date()}
