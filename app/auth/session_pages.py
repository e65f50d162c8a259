"""Ending one's other sessions (listed on the account's security page)."""

from __future__ import annotations

from flask import flash, redirect, session, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app import audit
from app.auth import login_sessions
from app.auth.forms import EmptyForm
from app.auth.routes import bp
from app.db import db


@bp.route("/account/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions() -> Response:
    """Sign out every other browser of this person; this one stays signed in."""
    form = EmptyForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        ended = login_sessions.end_others(db.session, user, session["sid"])
        audit.record(
            db.session, "sessions_ended", actor_id=user.id, subject=user.username, count=ended
        )
        if ended:
            flash(
                ngettext(
                    "%(num)d other session has been signed out.",
                    "%(num)d other sessions have been signed out.",
                    ended,
                ),
                "success",
            )
        else:
            flash(gettext("You were not signed in anywhere else."), "info")
    return redirect(url_for("auth.security"))
