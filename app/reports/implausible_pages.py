"""The "look at these" page for HR: implausible patterns in credited time in their subtree.

Registers on the reports blueprint (the factory imports this module), at
/reports/units/<code>/implausible, with the unit report's scope rule: outside it, a 404.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_login import login_required

from app.db import db
from app.reports import implausible
from app.reports.routes import bp, requested_period, unit_in_scope

# The period shown when none is asked for: the last 30 days, today included.
DEFAULT_DAYS = 30
ROWS_PER_LIST = 100


@bp.route("/units/<code>/implausible")
@login_required
def implausible_patterns(code: str) -> str:
    """Learners credited with many hours in one day, and courses completed in under a third of
    their estimated time, in the unit's subtree over a period (?from=&to=, local dates)."""
    unit = unit_in_scope(code)
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    today = datetime.now(zone).date()
    asked_from, asked_to = requested_period()
    date_to = asked_to or today
    date_from = asked_from or date_to - timedelta(days=DEFAULT_DAYS - 1)
    start = datetime.combine(date_from, datetime.min.time(), zone)
    end = datetime.combine(date_to + timedelta(days=1), datetime.min.time(), zone)
    hours_per_day = current_app.config["IMPLAUSIBLE_HOURS_PER_DAY"]
    return render_template(
        "reports/implausible.html",
        unit=unit,
        date_from=date_from,
        date_to=date_to,
        hours_per_day=hours_per_day,
        busy=implausible.busy_days(
            db.session,
            unit,
            start=start,
            end=end,
            zone=zone,
            hours_per_day=hours_per_day,
            limit=ROWS_PER_LIST,
        ),
        fast=implausible.fast_completions(
            db.session, unit, start=start, end=end, limit=ROWS_PER_LIST
        ),
        limit=ROWS_PER_LIST,
    )
