"""The learner's own credit hours: /me/credits, the year's ledger entries and the target.

Also adds the template helpers every page that shows ledger entries uses (`hours` filter,
`explain_entry`, `credit_source`), so the learner record and later the transcript render
entries the same way.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required

from app.credits import explain
from app.credits.categories import target_for
from app.credits.totals import year_credits
from app.credits.years import requested_year
from app.db import db
from app.i18n import local_now

bp = Blueprint("credits", __name__)
bp.add_app_template_filter(explain.hours_text, "hours")
bp.add_app_template_global(explain.explain, "explain_entry")
bp.add_app_template_global(explain.source_label, "credit_source")


@bp.route("/me/credits")
@login_required
def mine() -> str:
    """The signed-in person's ledger entries of a year, explained, against their target."""
    user = current_user._get_current_object()
    credits = year_credits(
        db.session,
        user,
        requested_year(),
        target=target_for(current_app.config, user.category),
        current_year=local_now().year,
    )
    return render_template("credits/mine.html", credits=credits)
