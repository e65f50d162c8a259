"""Assignment pages: list and add within one's scope, remove after confirming."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.assignments import services
from app.assignments.forms import AssignmentForm, ConfirmForm
from app.db import db
from app.models import Assignment, Course
from app.organisation.scope import managed_scope_or_404, within_scope
from app.organisation.tree import unit_by_code
from app.web.pagination import requested_page

bp = Blueprint("assignments", __name__, url_prefix="/assignments")


@bp.route("/", methods=["GET", "POST"])
@login_required
def index() -> Response | str | tuple[str, int]:
    """Assignments in the caller's units, 50 a page, and a form to add one."""
    scope = managed_scope_or_404(db.session)
    form = AssignmentForm()
    courses = db.session.scalars(
        select(Course).where(Course.status == "published").order_by(Course.title)
    ).all()
    form.course.choices = [(c.slug, c.title) for c in courses]
    if form.validate_on_submit():
        unit = unit_by_code(db.session, form.unit_code.data.strip())
        course = next((c for c in courses if c.slug == form.course.data), None)
        if unit is None or not within_scope(unit, scope):
            form.unit_code.errors.append(_("No unit with this code is in your area."))
        elif course is not None:
            try:
                services.assign(
                    db.session,
                    unit,
                    course,
                    due_date=form.due_date.data,
                    required=form.required.data,
                    include_subunits=form.include_subunits.data,
                    actor_id=current_user.id,
                )
            except services.AssignmentError as error:
                form.course.errors.append(str(error))
            else:
                flash(
                    _("%(course)s is assigned to %(unit)s.", course=course.title, unit=unit.name),
                    "success",
                )
                return redirect(url_for(".index"))
    result = services.assignments_in_scope(db.session, scope, requested_page())
    status = 422 if form.is_submitted() else 200
    return render_template("assignments/index.html", form=form, result=result), status


def _assignment_in_scope(assignment_id: int) -> Assignment:
    scope = managed_scope_or_404(db.session)
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or not within_scope(assignment.unit, scope):
        abort(404)
    return assignment


@bp.route("/<int:assignment_id>/remove", methods=["GET", "POST"])
@login_required
def remove(assignment_id: int) -> Response | str:
    """Ask, then remove an assignment (learners' progress is kept)."""
    assignment = _assignment_in_scope(assignment_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.unassign(db.session, assignment, actor_id=current_user.id)
        flash(_("The assignment has been removed. Learners keep their progress."), "success")
        return redirect(url_for(".index"))
    return render_template("assignments/remove.html", assignment=assignment, form=form)
