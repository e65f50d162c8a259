"""HR's download of a learner's learning record, next to the learner record page.

The view registers on the reports blueprint (the factory imports this module) and finds the
learner as the record page does: in the caller's scope and under the unit the URL names, or a
404. Taking someone else's record is audit-logged.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app import audit
from app.certificates.documents import transcript_download
from app.credits.years import requested_year
from app.db import db, writes_database
from app.reports import learner_record
from app.reports.routes import bp, unit_in_scope


@bp.route("/units/<code>/learners/<username>/transcript.pdf")
@login_required
@writes_database
def learner_transcript(code: str, username: str) -> Response:
    """A learner's learning record of `?year=` as a PDF, for HR of their subtree and admins."""
    unit = unit_in_scope(code)
    learner = learner_record.learner_in_subtree(db.session, unit, username)
    if learner is None:
        abort(404)
    year = requested_year()
    response, certificate = transcript_download(db.session, learner, year)
    if learner.id != current_user.id:
        audit.record(
            db.session,
            "transcript_downloaded",
            actor_id=current_user.id,
            subject=learner.username,
            unit=unit.code,
            year=year,
            code=certificate.code,
        )
    return response
