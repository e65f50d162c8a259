"""The learner's certificates and learning record, and the public check at /verify/<code>.

/verify/<code> is the one page here (and the only one added with certificates) that needs no
sign-in. A code that names nothing, well formed or not, gets the site's ordinary 404 page and
counts against the visitor's address (app.certificates.verify); past the limit every check
from that address is refused with a 429 until the window has passed.
"""

from __future__ import annotations

import math

from flask import Blueprint, abort, current_app, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.audit import client_address
from app.certificates import issuing, verify
from app.certificates.codes import grouped
from app.certificates.documents import certificate_download, transcript_download
from app.credits.years import requested_year
from app.db import db, writes_database
from app.i18n import local_now
from app.web.pagination import requested_page

bp = Blueprint("certificates", __name__)
bp.add_app_template_filter(grouped, "certificate_code")


@bp.after_request
def keep_private(response: Response) -> Response:
    """No cache keeps these pages or files, and no search engine lists them."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/me/certificates")
@login_required
@writes_database
def mine() -> str:
    """The signed-in learner's course certificates (issuing those of earlier completions that
    have none yet), and their learning records by year."""
    learner = current_user._get_current_object()
    issuing.issue_missing(db.session, learner)
    return render_template(
        "certificates/mine.html",
        certificates=issuing.course_certificates(db.session, learner, page=requested_page()),
        years=issuing.record_years(db.session, learner, local_now().year),
    )


@bp.route("/me/certificates/<code>.pdf")
@login_required
def certificate_pdf(code: str) -> Response:
    """One of the learner's own certificates as a PDF; anyone else's, or a revoked one, is a
    404."""
    certificate = issuing.own_certificate(db.session, current_user._get_current_object(), code)
    if certificate is None:
        abort(404)
    return certificate_download(certificate)


@bp.route("/me/transcript.pdf")
@login_required
@writes_database
def transcript() -> Response:
    """The learner's learning record of `?year=` (default this year) as a PDF, with the
    verification code it carries (issued now if the record changed)."""
    response, _certificate = transcript_download(
        db.session, current_user._get_current_object(), requested_year()
    )
    return response


@bp.route("/verify/<path:code>", endpoint="verify")
@writes_database
def verify_page(code: str) -> tuple[str, int, dict[str, str]] | str:
    """Anyone's check of a certificate: valid or revoked, and what it certifies."""
    session = db.session
    limits = verify.limits_from_config(current_app.config)
    wait = verify.retry_after(session, client_address(), limits)
    if wait is not None:
        page = render_template(
            "errors/error.html",
            status=429,
            title=_("Too many attempts"),
            message=verify.wait_message(wait),
        )
        return page, 429, {"Retry-After": str(math.ceil(wait.total_seconds()))}
    found = verify.find(session, code)
    if found is None:
        actor = current_user.id if current_user.is_authenticated else None
        verify.note_miss(session, code, actor_id=actor)
        # The miss must count although the answer is a 404, at which the request's transaction
        # would roll back (app/db.py): it is committed now, alone.
        session.commit()
        abort(404)
    return render_template(
        "certificates/verify.html", certificate=verify.PublicCertificate.of(found)
    )
