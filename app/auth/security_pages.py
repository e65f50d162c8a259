"""The second sign-in step (/login/verify) and the account's security page (/account/security):
setting up an authenticator app, recovery codes, turning the second factor off, and the list of
the person's signed-in sessions.

Views are thin: they check a form, call app.auth.second_factor and render or redirect. Wrong
codes are committed although the page answers with an error status (which would otherwise
roll them back), because they count in the sign-in throttle and belong in the audit log
(`_keep_wrong_tries`).
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.audit import client_address
from app.auth import login_sessions, mfa_session, second_factor, totp
from app.auth.forms import EmptyForm, SecondFactorForm, TotpCodeForm, TurnOffSecondFactorForm
from app.auth.redirects import safe_next
from app.auth.routes import bp
from app.auth.services import AccountError
from app.auth.sessions import start_session
from app.auth.throttle import limits_from_config, refusal_message
from app.db import db
from app.models import User

bp.before_app_request(mfa_session.gate)


def _keep_wrong_tries() -> None:
    """Commit now what a refused code or password left: a count in the throttle and an audit
    event."""
    # The page answers with an error status, and the request would roll these back.
    db.session.commit()


def _me() -> User:
    return current_user._get_current_object()


def _after_sign_in(user: User) -> Response:
    if user.must_change_password:
        flash(_("Please choose a new password before you continue."), "info")
        return redirect(url_for("auth.change_password"))
    return redirect(url_for("main.index"))


@bp.route("/login/verify", methods=["GET", "POST"])
def verify_login() -> Response | str | tuple[str, int]:
    """The second sign-in step: a code from the app, or a recovery code, after the password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    user = mfa_session.pending_user(db.session)
    if user is None:
        mfa_session.forget_pending()
        flash(_("Please sign in with your username and password first."), "info")
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("auth/verify.html", form=form), status

    result = second_factor.verify_sign_in(
        db.session,
        user,
        form.code.data or "",
        client_address(),
        limits_from_config(current_app.config),
    )
    if result.method is None:
        _keep_wrong_tries()
        if result.retry_after is not None:
            flash(refusal_message(result.retry_after), "error")
            return render_template("auth/verify.html", form=form), 429
        form.code.errors = [
            _("That code is not right, or it has been used already. Type the code your app "
              "shows now, or an unused recovery code.")
        ]
        return render_template("auth/verify.html", form=form), 422

    wanted = safe_next(mfa_session.pending_next())
    start_session(user)
    mfa_session.mark_shown()
    if result.method == "recovery_code":
        flash(
            ngettext(
                "You used a recovery code; %(num)d is left. Make new ones on the security page.",
                "You used a recovery code; %(num)d are left. Make new ones on the security page.",
                result.recovery_codes_left,
            ),
            "info",
        )
    if wanted and not user.must_change_password:
        return redirect(wanted)
    return _after_sign_in(user)


def _security_page(status: int = 200, **forms: object) -> tuple[str, int]:
    user = _me()
    state = second_factor.status(db.session, user)
    return render_template(
        "auth/security.html",
        state=state,
        required=second_factor.is_required(user, current_app.config),
        # The forms not posted start empty: they share field names with the one that was.
        confirm_form=forms.get("confirm_form") or TotpCodeForm(formdata=None),
        regenerate_form=forms.get("regenerate_form") or SecondFactorForm(formdata=None),
        turn_off_form=forms.get("turn_off_form") or TurnOffSecondFactorForm(formdata=None),
        recovery_codes=forms.get("recovery_codes"),
        qr=_qr(user, state),
        sessions=login_sessions.list_sessions(
            db.session,
            user,
            session.get("sid"),
            login_sessions.Lifetime.from_config(current_app.config),
        ),
        end_form=EmptyForm(),
    ), status


def _qr(user: User, state: second_factor.Status) -> dict[str, str] | None:
    """The QR code and typed form of a secret waiting to be confirmed, if there is one."""
    if state.pending_secret is None:
        return None
    uri = totp.provisioning_uri(user, state.pending_secret)
    return {"svg": totp.qr_svg(uri), "secret": totp.grouped(state.pending_secret)}


def _with_codes(page: tuple[str, int]) -> Response:
    """A page showing recovery codes: never kept by the browser or a proxy."""
    response = current_app.make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/security")
@login_required
def security() -> tuple[str, int]:
    """The account's security page: the second factor's state and what can be done with it."""
    return _security_page()


@bp.route("/account/security/totp", methods=["POST"])
@login_required
def start_enrolment() -> Response:
    """Make a new secret for an authenticator app and show its QR code to scan."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        second_factor.start_enrolment(db.session, _me())
    except AccountError as error:
        flash(str(error), "error")
    return redirect(url_for("auth.security") + "#two-factor")


@bp.route("/account/security/totp/confirm", methods=["POST"])
@login_required
def confirm_enrolment() -> Response | tuple[str, int]:
    """Turn the second factor on with a first code; show the ten recovery codes once."""
    form = TotpCodeForm()
    if not second_factor.status(db.session, _me()).pending_secret:
        flash(_("Start the set-up again: no authenticator is waiting to be confirmed."), "error")
        return redirect(url_for("auth.security"))
    if not form.validate_on_submit():
        return _security_page(422, confirm_form=form)
    try:
        codes = second_factor.confirm_enrolment(db.session, _me(), form.code.data or "")
    except AccountError as error:
        form.code.errors = [str(error)]
        return _security_page(422, confirm_form=form)
    mfa_session.mark_shown()
    flash(_("Two-factor authentication is on. Keep your recovery codes somewhere safe."), "success")
    return _with_codes(_security_page(recovery_codes=codes))


@bp.route("/account/security/recovery-codes", methods=["POST"])
@login_required
def regenerate_codes() -> Response | tuple[str, int]:
    """Replace the recovery codes after a code from the app; show the new ones once."""
    form = SecondFactorForm()
    if not second_factor.is_enrolled(db.session, _me()):
        flash(_("Two-factor authentication is off: there are no recovery codes."), "error")
        return redirect(url_for("auth.security"))
    if not form.validate_on_submit():
        return _security_page(422, regenerate_form=form)
    try:
        codes = second_factor.regenerate_recovery_codes(
            db.session,
            _me(),
            form.code.data or "",
            client_address(),
            limits_from_config(current_app.config),
        )
    except second_factor.ThrottledError as error:
        _keep_wrong_tries()
        flash(str(error), "error")
        return _security_page(429, regenerate_form=form)
    except AccountError as error:
        _keep_wrong_tries()
        form.code.errors = [str(error)]
        return _security_page(422, regenerate_form=form)
    flash(_("New recovery codes are ready; the old ones no longer work."), "success")
    return _with_codes(_security_page(recovery_codes=codes))


@bp.route("/account/security/totp/remove", methods=["POST"])
@login_required
def turn_off() -> Response | tuple[str, int]:
    """Turn one's own second factor off, with the password or a code from the app."""
    form = TurnOffSecondFactorForm()
    if not second_factor.is_enrolled(db.session, _me()):
        flash(_("Two-factor authentication is already off."), "info")
        return redirect(url_for("auth.security"))
    if not form.validate_on_submit():
        return _security_page(422, turn_off_form=form)
    try:
        second_factor.turn_off(
            db.session,
            _me(),
            form.password_or_code.data or "",
            client_address(),
            limits_from_config(current_app.config),
            current_app.config,
        )
    except second_factor.ThrottledError as error:
        _keep_wrong_tries()
        flash(str(error), "error")
        return _security_page(429, turn_off_form=form)
    except second_factor.WrongCodeError as error:
        _keep_wrong_tries()
        form.password_or_code.errors = [str(error)]
        return _security_page(422, turn_off_form=form)
    except AccountError as error:
        flash(str(error), "error")
        return _security_page(403, turn_off_form=form)
    flash(_("Two-factor authentication is off. You sign in with your password alone."), "success")
    return redirect(url_for("auth.security"))
