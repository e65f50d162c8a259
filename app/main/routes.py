"""Home page (the learner's dashboard), the language switch and the text-size switch."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.forms import EmptyForm
from app.auth.redirects import safe_next
from app.credits.categories import target_for
from app.db import db
from app.i18n import local_now
from app.learning.services import dashboard

bp = Blueprint("main", __name__)

TEXT_SIZE_COOKIE = "text_size"


@bp.route("/")
def index() -> Response | str:
    """The signed-in person's dashboard; visitors are sent to sign in."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    user = current_user._get_current_object()
    board = dashboard(
        db.session,
        user,
        target=target_for(current_app.config, user.category),
        today=local_now().date(),
    )
    return render_template("main/index.html", board=board)


@bp.route("/language/<code>", methods=["POST"])
def set_language(code: str) -> Response:
    """Remember the chosen interface language for this browser and go back."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    form = EmptyForm()
    if form.validate_on_submit():
        session["lang"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("main.index"))


@bp.route("/preferences/text-size", methods=["POST"])
def toggle_text_size() -> Response:
    """Switch between normal and larger text; remembered in this browser for a year."""
    form = EmptyForm()
    response = redirect(safe_next(request.form.get("next")) or url_for("main.index"))
    if form.validate_on_submit():
        large = request.cookies.get(TEXT_SIZE_COOKIE) != "large"
        response.set_cookie(
            TEXT_SIZE_COOKIE,
            "large" if large else "normal",
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response
