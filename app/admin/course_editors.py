"""The course editors pages, for administrators: who may upload, check and publish which course
in the studio. The views register on the admin blueprint (the factory imports this module); the
rules live in app.studio.editors. A course id need not be synced yet: an administrator can name
the editors of a course before its first upload.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.admin.access import admin_required
from app.admin.forms import CourseEditorForm, CourseLookupForm
from app.admin.routes import bp
from app.auth.forms import EmptyForm
from app.db import db
from app.models import User
from app.studio import editors


@bp.route("/courses")
@admin_required
def course_editors() -> Response | str | tuple[str, int]:
    """Every known course with its editors, and a form to open any course id."""
    form = CourseLookupForm(formdata=request.args)
    status = 200
    if "course" in request.args:
        slug = (form.course.data or "").strip().lower()
        if editors.valid_course_id(slug):
            return redirect(url_for("admin.course_editors_of", slug=slug))
        form.course.errors = [
            _("A course id has lower-case letters, digits and hyphens, like my-course.")
        ]
        status = 422
    courses = editors.courses_with_editors(db.session)
    return render_template("admin/course_editors.html", form=form, courses=courses), status


@bp.route("/courses/<slug>/editors", methods=["GET", "POST"])
@admin_required
def course_editors_of(slug: str) -> Response | str | tuple[str, int]:
    """The editors of one course; the form makes another trainer an editor."""
    if not editors.valid_course_id(slug):
        abort(404)
    form = CourseEditorForm()
    if form.validate_on_submit():
        user = editors.trainer_by_username(db.session, form.username.data or "")
        if user is None:
            form.username.errors = [_("Nobody has this username.")]
        else:
            try:
                editors.grant(db.session, slug, user, actor=current_user._get_current_object())
            except editors.EditorError as error:
                form.username.errors = [str(error)]
            else:
                flash(_("%(name)s now edits %(id)s.", name=user.username, id=slug), "success")
                return redirect(url_for("admin.course_editors_of", slug=slug))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "admin/course_editors_of.html",
        slug=slug,
        editors=editors.editors_of(db.session, slug),
        form=form,
        remove_form=EmptyForm(),
    ), status


@bp.route("/courses/<slug>/editors/<int:user_id>/remove", methods=["POST"])
@admin_required
def remove_course_editor(slug: str, user_id: int) -> Response:
    """Take the course from one of its editors."""
    form = EmptyForm()
    user = db.session.get(User, user_id) or abort(404)
    if form.validate_on_submit():
        try:
            editors.revoke(db.session, slug, user, actor=current_user._get_current_object())
        except editors.EditorError as error:
            flash(str(error), "error")
        else:
            flash(
                _("%(name)s no longer edits %(id)s.", name=user.username, id=slug), "success"
            )
    return redirect(url_for("admin.course_editors_of", slug=slug))
