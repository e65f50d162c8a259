"""The learner's claim pages: /me/claims (their claims), /me/claims/new, their evidence files.

The new-claim page alone accepts a body of EVIDENCE_MAX_MB plus room for the form around the
file; a larger one is answered with the form again and a message saying the limit. The HR
pages are in app/claims/review_pages.py, on this blueprint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from app.claims import queries, services
from app.claims.evidence import MIB, MIMETYPES, stored_path
from app.claims.forms import ClaimForm
from app.db import db
from app.errors import handle_too_large
from app.i18n import local_now
from app.models import TrainingClaim
from app.reports.exports import content_disposition

bp = Blueprint("claims", __name__)

# The multipart envelope and the form's other fields (text, dates, CSRF token) around the file.
FORM_OVERHEAD = MIB


@bp.url_value_preprocessor
def _allow_evidence_upload(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    # URL value preprocessors run before every before_request function, and the CSRF check
    # in one of those reads the form: the body must be parsed with this page's limit.
    if endpoint == "claims.new" and request.method == "POST":
        limit = current_app.config["EVIDENCE_MAX_MB"] * MIB
        request.max_content_length = limit + FORM_OVERHEAD


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge) -> tuple[str, int]:
    """An upload larger than the page takes: the form again, saying the limit."""
    if request.endpoint != "claims.new":
        return handle_too_large(_error)
    form = ClaimForm(formdata=None)
    form.evidence.errors = [_too_large_message()]
    return _render_new(form), 413


def _too_large_message() -> str:
    return _(
        "The file is larger than %(size)s MB, so nothing was sent. Scan it at a lower"
        " resolution, or save the photo or PDF smaller, and fill in the form again.",
        size=format_decimal(current_app.config["EVIDENCE_MAX_MB"]),
    )


def _render_new(form: ClaimForm, refusal: str | None = None) -> str:
    return render_template(
        "claims/new.html",
        form=form,
        refusal=refusal,
        max_mb=current_app.config["EVIDENCE_MAX_MB"],
        max_hours=current_app.config["CLAIM_MAX_HOURS"],
    )


@bp.route("/me/claims")
@login_required
def mine() -> str:
    """The signed-in person's claims, newest first, with their status and HR's decision."""
    claims = queries.learner_claims(db.session, current_user._get_current_object())
    return render_template("claims/mine.html", claims=claims)


@bp.route("/me/claims/new", methods=["GET", "POST"])
@login_required
def new() -> Response | str | tuple[str, int]:
    """The new-claim form; a valid one records a pending claim and goes back to the list."""
    form = ClaimForm()
    if form.validate_on_submit():
        details = services.ClaimDetails(
            title=form.title.data or "",
            organiser=form.organiser.data or "",
            started_on=form.started_on.data,
            ended_on=form.ended_on.data,
            hours=form.hours.data,
        )
        upload = form.evidence.data
        try:
            claim = services.submit(
                db.session,
                current_user._get_current_object(),
                details,
                stream=upload.stream,
                filename=upload.filename,
                today=local_now().date(),
            )
        except services.ClaimError as refusal:
            if refusal.field and refusal.field in form:
                form[refusal.field].errors = [*form[refusal.field].errors, str(refusal)]
                return _render_new(form), 422
            return _render_new(form, str(refusal)), 422
        flash(
            _("Your claim “%(title)s” was sent to HR of your unit.", title=claim.title),
            "success",
        )
        return redirect(url_for(".mine"))
    if request.method == "POST":
        return _render_new(form), 422
    return _render_new(form)


def evidence_response(claim: TrainingClaim) -> Response:
    """The claim's evidence file as a download, of the type its content was found to be."""
    path: Path | None = stored_path(claim.evidence_file)
    if path is None:
        current_app.logger.error(
            "Evidence file %s of claim %s is missing", claim.evidence_file, claim.id
        )
        abort(404)
    response = send_file(path, mimetype=MIMETYPES[claim.evidence_type], conditional=False)
    response.headers["Content-Disposition"] = content_disposition(claim.evidence_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Personal data: never in a shared cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/me/claims/<int:claim_id>/evidence")
@login_required
def my_evidence(claim_id: int) -> Response:
    """The evidence file of one of the signed-in person's claims (anyone else's: 404)."""
    claim = queries.own_claim(db.session, current_user._get_current_object(), claim_id)
    if claim is None:
        abort(404)
    return evidence_response(claim)
