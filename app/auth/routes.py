"""Views of the accounts pages: thin, they call app.auth.services and commit once."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.audit import client_address
from app.auth import mfa_session, second_factor, services
from app.auth.forms import ChangePasswordForm, EmptyForm, LoginForm
from app.auth.redirects import safe_next
from app.auth.sessions import end_session, start_session
from app.auth.throttle import limits_from_config, refusal_message
from app.db import db

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    """Sign in. A stale or foreign `next` is ignored in favour of the home page."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("main.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)

    result = services.sign_in(
        db.session,
        form.username.data or "",
        form.password.data or "",
        client_address(),
        limits_from_config(current_app.config),
    )
    # Failed sign-ins count towards the throttle and go to the audit log even though the
    # page answers with an error status, which would otherwise roll them back.
    db.session.commit()
    if result.retry_after is not None:
        flash(refusal_message(result.retry_after), "error")
        return render_template("auth/login.html", form=form), 429
    if result.disabled:
        flash(_("This account is disabled. Ask your training officer to enable it."), "error")
        return render_template("auth/login.html", form=form), 403
    if result.user is None:
        flash(_("The username or password is not right. Check them and try again."), "error")
        return render_template("auth/login.html", form=form), 200

    if result.second_factor_pending:
        mfa_session.await_second_factor(result.user, safe_next(form.next.data))
        return redirect(url_for("auth.verify_login"))
    start_session(result.user)
    if second_factor.is_required(result.user, current_app.config):
        flash(
            _("Your role needs two-factor authentication. Set it up now to continue."), "info"
        )
        return redirect(url_for("auth.security"))
    if result.user.must_change_password:
        flash(_("Please choose a new password before you continue."), "info")
        return redirect(url_for("auth.change_password"))
    return redirect(safe_next(form.next.data) or url_for("main.index"))


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Sign out everywhere: every session of this user ends, not only this browser's."""
    form = EmptyForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        services.sign_out(db.session, current_user._get_current_object())
    end_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Response | str | tuple[str, int]:
    """Change one's own password; other sessions of the user end, this one carries on."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                db.session,
                current_user._get_current_object(),
                form.current_password.data,
                form.new_password.data,
                address=client_address(),
                limits=limits_from_config(current_app.config),
            )
        except services.ThrottledError as error:
            # Keep the audit event of the refusal: the 429 would roll it back.
            db.session.commit()
            flash(str(error), "error")
            return render_template("auth/password.html", form=form), 429
        except services.WrongPasswordError as error:
            # A wrong current password counts towards the throttle and goes to the audit log
            # although the page answers 422, which would otherwise roll them back.
            db.session.commit()
            form.current_password.errors = [*form.current_password.errors, str(error)]
            return render_template("auth/password.html", form=form), 422
        except services.AccountError as error:
            form.new_password.errors = [*form.new_password.errors, str(error)]
            return render_template("auth/password.html", form=form), 422
        start_session(current_user._get_current_object())
        flash(_("Your password has been changed. Other devices have been signed out."), "success")
        return redirect(url_for("main.index"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/password.html", form=form), status
