"""The browser editor: one Markdown file of a staged revision in a plain textarea, with
server-side Check and Preview buttons (no JavaScript needed); saving stages a new revision."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.db import db
from app.models import CourseRevision
from app.studio import editors, edits, revise, revisions, source
from app.studio.access import editable_revision, studio_required
from app.studio.forms import EditFileForm, StartRevisionForm
from app.studio.routes import bp


def _editable(token: str, name: str) -> CourseRevision:
    """The staged revision `token` if this person edits its course and `name` can be edited."""
    found = editable_revision(token)
    if found.status != "staged" or edits.editable(found, name) is None:
        abort(404)
    return found


@bp.route("/revisions/<token>/edit/<path:name>", methods=["GET", "POST"])
@studio_required
def edit_file(token: str, name: str) -> Response | str | tuple[str, int]:
    """Edit `name`; Check and Preview show the result, Save stages it as a new revision."""
    found = _editable(token, name)
    form = EditFileForm()
    problems, preview = None, None
    if not form.is_submitted():
        text = source.read_source(revisions.folder(found), name)
        form.text.data = "\n".join(text.lines) + "\n" if text else ""
    elif form.validate():
        action = request.form.get("action", "check")
        try:
            if action == "save":
                staged = edits.save_edit(
                    db.session,
                    found,
                    name,
                    form.text.data or "",
                    actor=current_user._get_current_object(),
                )
                flash(_("Saved as a new staged revision; the check is below."), "success")
                return redirect(url_for("studio.revision", token=staged.token))
            if action == "preview":
                preview = edits.preview_html(name, form.text.data or "")
            problems = edits.check_edit(found, name, form.text.data or "")
        except edits.EditError as refusal:
            form.text.errors = [*form.text.errors, str(refusal)]
    status = 422 if form.errors else 200
    return render_template(
        "studio/edit.html",
        revision=found,
        name=name,
        form=form,
        problems=problems,
        preview=preview,
    ), status


@bp.route("/courses/<course_id>/revise", methods=["POST"])
@studio_required
def start_revision(course_id: str) -> Response:
    """Open the course's staged revision, starting one from the published files if need be."""
    user = current_user._get_current_object()
    if not editors.can_edit(db.session, user, course_id):
        abort(404)
    if not StartRevisionForm().validate_on_submit():
        flash(_("The form had expired; try again."), "error")
        return redirect(url_for("studio.index"))
    try:
        staged = revise.start_from_published(db.session, course_id, actor=user)
    except revisions.RevisionError as refusal:
        flash(str(refusal), "error")
        return redirect(url_for("studio.index"))
    return redirect(url_for("studio.revision", token=staged.token))
