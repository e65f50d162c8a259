"""The activation page: an imported user signs in for the first time with their one-time code."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.audit import client_address
from app.auth import codes
from app.auth.forms import ActivateForm
from app.auth.routes import bp
from app.auth.sessions import start_session
from app.auth.throttle import limits_from_config, refusal_message
from app.db import db


@bp.route("/activate", methods=["GET", "POST"])
def activate() -> Response | str | tuple[str, int]:
    """Check username + activation code, set the first password, sign in and go home."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = ActivateForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("auth/activate.html", form=form), status

    result = codes.activate(
        db.session,
        form.username.data or "",
        form.code.data or "",
        form.new_password.data or "",
        client_address(),
        limits_from_config(current_app.config),
    )
    if result.password_problems:
        form.new_password.errors = [*form.new_password.errors, *result.password_problems]
        return render_template("auth/activate.html", form=form), 422
    # Wrong codes count towards the throttle even though the page answers with an error
    # status, which would otherwise roll them back.
    db.session.commit()
    if result.retry_after is not None:
        flash(refusal_message(result.retry_after, activation=True), "error")
        return render_template("auth/activate.html", form=form), 429
    if result.expired:
        flash(
            _("This activation code has expired. Ask your training officer for a new one."),
            "error",
        )
        return render_template("auth/activate.html", form=form), 422
    if result.user is None:
        flash(codes.wrong_code_message(), "error")
        return render_template("auth/activate.html", form=form), 422

    start_session(result.user)
    flash(_("Welcome! Your account is ready and you are signed in."), "success")
    return redirect(url_for("main.index"))
