"""Publishing or discarding a staged revision from its check page (editors and admins only).

Publishing runs the same import as `courses sync`, in the request's one transaction, and keeps
the revision as history; discarding marks it discarded and removes its files once that commits.
Both need a ticked confirmation; a refusal says why and changes nothing.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.db import db
from app.studio import revisions
from app.studio.access import editable_revision, studio_required
from app.studio.forms import ConfirmRevisionForm
from app.studio.routes import bp


@bp.route("/revisions/<token>/publish", methods=["POST"])
@studio_required
def publish(token: str) -> Response:
    """Publish a staged revision without errors: learners see it at once."""
    found = editable_revision(token)
    if not ConfirmRevisionForm().validate_on_submit():
        flash(_("Tick the box to confirm, then publish again."), "error")
        return redirect(url_for("studio.revision", token=token))
    try:
        revisions.publish(db.session, found, actor=current_user._get_current_object())
    except revisions.RevisionError as refusal:
        flash(str(refusal), "error")
        return redirect(url_for("studio.revision", token=token))
    flash(_("%(id)s is published: learners see this version now.", id=found.course_slug), "success")
    return redirect(url_for("learning.course", course_slug=found.course_slug))


@bp.route("/revisions/<token>/discard", methods=["POST"])
@studio_required
def discard(token: str) -> Response:
    """Drop a staged revision; the published version, if any, stays as it is."""
    found = editable_revision(token)
    if not ConfirmRevisionForm().validate_on_submit():
        flash(_("Tick the box to confirm, then discard again."), "error")
        return redirect(url_for("studio.revision", token=token))
    try:
        revisions.discard(db.session, found, actor=current_user._get_current_object())
    except revisions.RevisionError as refusal:
        flash(str(refusal), "error")
        return redirect(url_for("studio.revision", token=token))
    flash(_("The staged revision of %(id)s is discarded.", id=found.course_slug), "success")
    return redirect(url_for("studio.index"))
