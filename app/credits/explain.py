"""A ledger entry's one-line explanation, in the reader's language.

Entries store their explanation as structured parts (the numbers and what they mean) rather
than as text: the learner, HR and the printed transcript may each read it in another language,
and a better wording later changes no stored history. Each part kind has one sentence here:

    declared      {"hours"}                            the course's own credit_hours
    band          {"minutes", "from", "to", "hours"}   the duration band that applied
    closing_test  {"bonus"}                            passing the closing test
    course_cap    {"cap"}                              the per-course cap cut the award
    year_cap      {"cap", "earned", "hours"}           the per-year cap cut the award
    backfilled    {}                                   written from a pre-ledger completion
    manual        {}                                   an adjustment (its reason is the entry's)
    offline       {"title", "organiser", "from", "to", "approved_by"}
                                                       approved offline training (ISO dates)
    offline_reduced {"claimed", "approved", "reason"}  HR approved fewer hours than claimed

An unknown kind (written by a newer feature) is shown by its name.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _

from app.models import CreditEntry


def hours_text(value: float | None) -> str:
    """Credit hours with up to two decimals (a quarter hour is 0.25), in the page's locale."""
    return format_decimal(value or 0, format="#,##0.##")


def _band(part: dict[str, Any]) -> str:
    values = {
        "minutes": part["minutes"],
        "low": part["from"],
        "high": part["to"],
        "hours": hours_text(part["hours"]),
    }
    if part["to"] is None:
        return _("Course length %(minutes)s min ≥ %(low)s min: %(hours)s h", **values)
    if part["from"] == 0:
        return _("Course length %(minutes)s min < %(high)s min: %(hours)s h", **values)
    return _("Course length %(minutes)s min, %(low)s to %(high)s min: %(hours)s h", **values)


def part_text(part: dict[str, Any], entry: CreditEntry | None = None) -> str:
    """One part of an explanation as a phrase."""
    kind = part.get("kind")
    if kind == "declared":
        return _("Credit hours set by the course: %(hours)s h", hours=hours_text(part["hours"]))
    if kind == "band":
        return _band(part)
    if kind == "closing_test":
        return _("Passed the closing test: +%(bonus)s", bonus=hours_text(part["bonus"]))
    if kind == "course_cap":
        return _("At most %(cap)s h per course", cap=hours_text(part["cap"]))
    if kind == "year_cap":
        return _(
            "Yearly cap %(cap)s h, %(earned)s h already earned: %(hours)s h counted",
            cap=hours_text(part["cap"]),
            earned=hours_text(part["earned"]),
            hours=hours_text(part["hours"]),
        )
    if kind == "backfilled":
        return _("Recorded from a completion made before the credit ledger")
    if kind == "manual":
        reason = entry.reason if entry is not None else ""
        author = entry.created_by if entry is not None else None
        if author is not None:
            return _("Adjusted by %(name)s: %(reason)s", name=author.full_name, reason=reason)
        return _("Adjusted by an administrator: %(reason)s", reason=reason)
    if kind == "offline":
        return _(
            "Offline training: %(title)s, %(organiser)s, %(dates)s; approved by %(name)s",
            title=part["title"],
            organiser=part["organiser"],
            dates=_dates(part["from"], part["to"]),
            name=part["approved_by"],
        )
    if kind == "offline_reduced":
        return _(
            "%(claimed)s h claimed, %(approved)s h approved: %(reason)s",
            claimed=hours_text(part["claimed"]),
            approved=hours_text(part["approved"]),
            reason=part["reason"],
        )
    return str(kind)


def _dates(first: str, last: str) -> str:
    """A training's days: one date, or the first and the last."""
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    if start == end:
        return format_date(start)
    return _("%(start)s to %(end)s", start=format_date(start), end=format_date(end))


def explain(entry: CreditEntry) -> str:
    """The entry's explanation as one line in the current language."""
    return _("; ").join(part_text(part, entry) for part in entry.explanation or [])


def source_label(source: str) -> str:
    """What kind of entry this is, for a table column."""
    labels = {
        "course_completion": _("Course completed"),
        "offline_training": _("Offline training"),
        "manual_adjustment": _("Adjustment"),
    }
    return labels.get(source, source)
