"""Which year a credit-hours page shows: `?year=YYYY`, else the current local year."""

from __future__ import annotations

from flask import request

from app.i18n import local_now


def requested_year() -> int:
    """The `year` of the query string when it is a plausible one, else the current year."""
    year = request.args.get("year", type=int)
    return year if year is not None and 2000 <= year <= 2100 else local_now().year
