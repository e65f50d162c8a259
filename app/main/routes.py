"""Home page and the language switch."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.forms import EmptyForm
from app.auth.redirects import safe_next
from app.main import bp


@bp.route("/")
def index() -> Response | str:
    """The signed-in person's home page; visitors are sent to sign in."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("main/index.html")


@bp.route("/language/<code>", methods=["POST"])
def set_language(code: str) -> Response:
    """Remember the chosen interface language for this browser and go back."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    form = EmptyForm()
    if form.validate_on_submit():
        session["lang"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("main.index"))
