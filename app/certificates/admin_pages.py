"""The administrators' certificate pages: finding certificates, and revoking one.

The views register on the admin blueprint (the factory imports this module). Revoking takes
two steps: the list links to a page that shows the certificate and asks for the reason, and
only its form revokes.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.admin.access import admin_required
from app.admin.routes import bp
from app.certificates import revocation
from app.certificates.codes import grouped
from app.certificates.forms import RevokeForm
from app.db import db
from app.web.pagination import requested_page

MAX_QUERY = 100


@bp.route("/certificates")
@admin_required
def certificates() -> str:
    """Certificates, the latest first, found by code or username (`?q=`), a page at a time."""
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    result = revocation.search(db.session, query, page=requested_page())
    return render_template("certificates/admin_list.html", result=result, query=query)


def _line_or_404(code: str) -> revocation.CertificateLine:
    line = revocation.by_code(db.session, code)
    if line is None:
        abort(404)
    return line


def _render_revoke(line: revocation.CertificateLine, form: RevokeForm, status: int):  # noqa: ANN202
    return render_template("certificates/revoke.html", line=line, form=form), status


@bp.route("/certificates/<code>/revoke")
@admin_required
def confirm_revoke(code: str) -> tuple[str, int]:
    """What revoking this certificate means, and the form that asks for the reason."""
    return _render_revoke(_line_or_404(code), RevokeForm(), 200)


@bp.route("/certificates/<code>/revoke", methods=["POST"])
@admin_required
def revoke(code: str) -> Response | tuple[str, int]:
    """Revoke the certificate with the reason given; audit-logged. Back to the list."""
    line = _line_or_404(code)
    form = RevokeForm()
    if not form.validate_on_submit():
        return _render_revoke(line, form, 422)
    try:
        revocation.revoke(
            db.session, line, form.reason.data or "", actor=current_user._get_current_object()
        )
    except revocation.RevocationError as error:
        form.reason.errors = [*form.reason.errors, str(error)]
        return _render_revoke(line, form, 422)
    flash(_("Certificate %(code)s revoked.", code=grouped(line.certificate.code)), "success")
    return redirect(url_for("admin.certificates", q=line.certificate.code))
