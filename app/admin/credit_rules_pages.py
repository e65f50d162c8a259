"""The credit rules page: the rule versions, the one in force, and loading a new one.

The views register on the admin blueprint (the factory imports this module). Loading checks
the whole file first (app.credits.rules) and writes nothing if anything is wrong.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.admin.access import admin_required
from app.admin.forms import CreditRuleForm
from app.admin.routes import bp
from app.credits import store
from app.credits.rules import RuleFileError
from app.db import db
from app.i18n import local_now


def _render(form: CreditRuleForm, problems: list[str], status: int) -> tuple[str, int]:
    year = local_now().year
    return render_template(
        "admin/credit_rules.html",
        form=form,
        problems=problems,
        rules=store.all_rules(db.session),
        in_force=store.rule_in_force(db.session, year),
        year=year,
    ), status


@bp.route("/credit-rules")
@admin_required
def credit_rules() -> tuple[str, int]:
    """Every rule version, the one in force this year, and the form to load one."""
    return _render(CreditRuleForm(), [], 200)


@bp.route("/credit-rules", methods=["POST"])
@admin_required
def load_credit_rule() -> Response | tuple[str, int]:
    """Check and load a pasted rule file; its problems, and nothing written, if it has any."""
    form = CreditRuleForm()
    if not form.validate_on_submit():
        return _render(form, [], 422)
    try:
        rule, created = store.load_rule(
            db.session,
            form.text.data or "",
            actor=current_user._get_current_object(),
            replace=bool(form.replace.data),
        )
    except RuleFileError as error:
        return _render(form, error.problems, 422)
    if created:
        flash(_("Rule of %(year)d, version %(version)d, loaded.", year=rule.year,
                version=rule.version), "success")
    else:
        flash(_("This rule is already loaded; nothing changed."), "success")
    return redirect(url_for("admin.credit_rules"))
