"""Learner pages: catalogue, course, lesson, completion, time heartbeats, course assets."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.db import db
from app.i18n import format_number
from app.learning import lesson_page, services
from app.learning.forms import CompleteLessonForm
from app.models import CourseAsset
from app.progress import recording as progress
from app.progress.prerequisites import RequirementsMissingError
from app.quiz.attempts import GRACE
from app.web.found import course_or_404, lesson_or_404
from app.web.pagination import requested_page

bp = Blueprint("learning", __name__)

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
    result = services.catalogue(
        db.session, _user(), search=search, language=language, page=requested_page()
    )
    return render_template(
        "learning/catalogue.html", result=result, search=search, language=language
    )


@bp.route("/courses/<course_slug>")
@login_required
def course(course_slug: str) -> str:
    """A course's overview, modules and lessons with progress, and where to continue."""
    found = course_or_404(course_slug)
    outline = services.course_outline(db.session, _user(), found)
    return render_template("learning/course.html", outline=outline, course=found)


@bp.route("/courses/<course_slug>/lessons/<lesson_slug>")
@login_required
def lesson(course_slug: str, lesson_slug: str) -> str:
    """A lesson: its content, questions where they were written, previous/next links.

    The page's forms are only buttons and the quiz's answers: the template writes their CSRF
    token itself, and the POST views validate them with their forms."""
    found = lesson_page.find_lesson(db.session, _user(), course_slug, lesson_slug)
    if found is None:
        abort(404)
    course, lesson = found.course, found.lesson
    page = lesson_page.read_lesson(db.session, _user(), found)
    if page.needs_write:
        # A revisit only reads; this visit records something, so it reads again in a
        # transaction that holds the write lock from its start (see Database.use_writer).
        page = lesson_page.record_lesson(db.use_writer(), _user(), course, lesson)
    return render_template(
        "learning/lesson.html",
        course=course,
        lesson=lesson,
        parts=page.parts,
        quiz=page.quiz,
        placed=page.placed,
        visit=page,
        prev=found.previous,
        next=found.next,
        grace_seconds=int(GRACE.total_seconds()),
    )


@bp.route("/courses/<course_slug>/lessons/<lesson_slug>/complete", methods=["POST"])
@login_required
def complete(course_slug: str, lesson_slug: str) -> Response:
    """Mark a lesson without a quiz as complete, then go on to the next lesson."""
    course, lesson = lesson_or_404(course_slug, lesson_slug)
    form = CompleteLessonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        enrollment = progress.mark_complete(db.session, _user(), course, lesson)
    except progress.ProgressError:
        flash(_("This lesson is completed by passing its quiz."), "error")
        return redirect(url_for(".lesson", course_slug=course_slug, lesson_slug=lesson_slug))
    except RequirementsMissingError as missing:
        flash(missing.message(), "error")
        return redirect(url_for(".lesson", course_slug=course_slug, lesson_slug=lesson_slug))
    if enrollment.status == "completed":
        flash(
            _(
                "Course completed: %(hours)s credit hours awarded.",
                hours=format_number(enrollment.credit_hours_awarded),
            ),
            "success",
        )
        return redirect(url_for(".course", course_slug=course_slug))
    flash(_("Lesson marked as complete."), "success")
    _prev, nxt = services.neighbours(db.session, lesson)
    if nxt is not None:
        return redirect(url_for(".lesson", course_slug=course_slug, lesson_slug=nxt.slug))
    return redirect(url_for(".course", course_slug=course_slug))


@bp.route("/courses/<course_slug>/lessons/<lesson_slug>/heartbeat", methods=["POST"])
@login_required
def heartbeat(course_slug: str, lesson_slug: str) -> Response:
    """Count time on task; sent by static/js/lesson.js while the learner is active."""
    _course, lesson = lesson_or_404(course_slug, lesson_slug)
    seconds = progress.record_heartbeat(
        db.session, _user(), lesson, cap_minutes=current_app.config.get("LESSON_TIME_CAP_MINUTES")
    )
    return jsonify(seconds=seconds)


@bp.route("/courses/<course_slug>/assets/<path:name>")
@login_required
def asset(course_slug: str, name: str) -> Response:
    """A file from a course's assets/ folder, looked up by exact name (no file system paths)."""
    course = course_or_404(course_slug)
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
