"""`POST /studio/revisions/<token>/gift`: a Moodle GIFT question bank becomes a pool of a staged
revision (editors and admins only); what could not be converted is listed after."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.db import db
from app.studio import gift_import
from app.studio.access import editable_revision, studio_required
from app.studio.forms import GiftImportForm
from app.studio.routes import bp

SHOWN_PROBLEMS = 20


@bp.route("/revisions/<token>/gift", methods=["POST"])
@studio_required
def import_gift(token: str) -> Response:
    """Convert the uploaded GIFT file into a pool and stage the result as a new revision."""
    found = editable_revision(token)
    user = current_user._get_current_object()
    form = GiftImportForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(url_for("studio.revision", token=token))
    upload = form.gift.data
    try:
        staged, problems = gift_import.import_gift(
            db.session,
            found,
            upload.stream.read(gift_import.MAX_GIFT_BYTES + 1),
            upload.filename or "bank.txt",
            form.pool.data,
            actor=user,
        )
    except gift_import.GiftImportError as refusal:
        flash(str(refusal), "error")
        return redirect(url_for("studio.revision", token=token))
    flash(
        _(
            "The question bank is now the pool %(name)s of a new staged revision.",
            name=form.pool.data,
        ),
        "success",
    )
    left_out = [p for p in problems if p.severity != "info"]
    for problem in left_out[:SHOWN_PROBLEMS]:
        where = f"{problem.path.name}:{problem.line}"
        flash(f"{where}: {problem.severity}: {problem.message}", "warning")
    if len(left_out) > SHOWN_PROBLEMS:
        flash(_("…and %(n)d more.", n=len(left_out) - SHOWN_PROBLEMS), "warning")
    return redirect(url_for("studio.revision", token=staged.token))
