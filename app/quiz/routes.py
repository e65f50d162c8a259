"""Quiz views: start an attempt, submit answers, see results and past attempts."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.db import db
from app.progress.prerequisites import RequirementsMissingError
from app.quiz import attempts as quiz_attempts
from app.quiz import history, results, submission
from app.quiz.forms import NewAttemptForm, StartAttemptForm, SubmitAttemptForm
from app.web.forms import AcademyForm
from app.web.found import lesson_or_404
from app.web.input_guard import RefusedInput

bp = Blueprint("quiz", __name__)


def _user():  # noqa: ANN202
    return current_user._get_current_object()


@bp.route("/courses/<course_slug>/lessons/<lesson_slug>/quiz/start", methods=["POST"])
@login_required
def start(course_slug: str, lesson_slug: str) -> Response:
    """Start an attempt from the quiz's start page (the clock of a timed quiz runs from now),
    or go back to the one already open."""
    return _start_attempt(course_slug, lesson_slug, StartAttemptForm())


def _start_attempt(course_slug: str, lesson_slug: str, form: AcademyForm) -> Response:
    """Open an attempt if one is left and the required lessons are done, then show the quiz."""
    course, lesson = lesson_or_404(course_slug, lesson_slug, quiz=True)
    if not form.validate_on_submit():
        abort(400)
    try:
        if quiz_attempts.start_new_attempt(db.session, _user(), course, lesson) is None:
            flash(_("You have used all the attempts allowed for this quiz."), "error")
    except RequirementsMissingError as missing:
        flash(missing.message(), "error")
    return redirect(
        url_for("learning.lesson", course_slug=course_slug, lesson_slug=lesson_slug, _anchor="quiz")
    )


@bp.route("/courses/<course_slug>/lessons/<lesson_slug>/quiz", methods=["POST"])
@login_required
def submit(course_slug: str, lesson_slug: str) -> Response:
    """Grade the posted answers once; a replay shows the result recorded the first time.

    With unanswered questions (and no `confirm_incomplete=1`) nothing is graded: the answers
    come back on a confirmation page that names the questions left blank."""
    course, lesson = lesson_or_404(course_slug, lesson_slug, quiz=True)
    form = SubmitAttemptForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        result = submission.submit(
            db.session,
            _user(),
            course,
            lesson,
            form.attempt_token.data,
            request.form,
            confirmed=request.form.get("confirm_incomplete") == "1",
        )
    except quiz_attempts.QuizError:
        abort(404)
    except submission.AnswerError as refused:
        raise RefusedInput(refused.message) from None
    if result.unanswered:
        # Nothing graded: the same form again, answers kept, asking before it is graded.
        return render_template(  # type: ignore[return-value]
            "quiz/confirm.html",
            course=course,
            lesson=lesson,
            attempt=result.attempt,
            answers=result.answers,
            unanswered=result.unanswered,
            quiz_form=form,
        )
    attempt = result.attempt
    if not result.recorded_now:
        flash(_("These answers were already submitted. Here is the recorded result."), "info")
    elif attempt.timed_out:
        flash(_("The time limit had passed, so the answers could not be accepted."), "error")
    return redirect(
        url_for(".result", course_slug=course_slug, lesson_slug=lesson_slug, number=attempt.number)
    )


@bp.route("/courses/<course_slug>/lessons/<lesson_slug>/quiz/new", methods=["POST"])
@login_required
def new_attempt(course_slug: str, lesson_slug: str) -> Response:
    """Start another attempt (for example to improve a passing score), if one is left."""
    return _start_attempt(course_slug, lesson_slug, NewAttemptForm())


@bp.route("/courses/<course_slug>/lessons/<lesson_slug>/attempts/<int:number>")
@login_required
def result(course_slug: str, lesson_slug: str, number: int) -> str:
    """One submitted attempt: right or wrong per question, feedback, explanation, answers."""
    course, lesson = lesson_or_404(course_slug, lesson_slug, quiz=True)
    try:
        attempt = history.attempt_by_number(db.session, _user(), lesson, number)
    except quiz_attempts.QuizError:
        abort(404)
    if attempt.status != "submitted":
        return redirect(  # type: ignore[return-value]
            url_for("learning.lesson", course_slug=course_slug, lesson_slug=lesson_slug)
        )
    # Only reads: an open attempt whose time ran out counts as used here, and is closed by the
    # learner's next write (Start, or a submit).
    state = quiz_attempts.read_state(db.session, _user(), lesson)
    return render_template(
        "quiz/result.html",
        course=course,
        lesson=lesson,
        attempt=attempt,
        state=state,
        show_answers=history.answers_visible(lesson, attempt, state),
        next_lesson=results.next_lesson(db.session, lesson),
        form=NewAttemptForm(),
    )


@bp.route("/courses/<course_slug>/lessons/<lesson_slug>/attempts")
@login_required
def attempts(course_slug: str, lesson_slug: str) -> str:
    """The learner's attempts at this quiz with dates and scores."""
    course, lesson = lesson_or_404(course_slug, lesson_slug, quiz=True)
    rows = history.attempts_of(db.session, _user(), lesson)
    return render_template("quiz/attempts.html", course=course, lesson=lesson, attempts=rows)
