"""Credit rules as data: reading a rule file (YAML) and computing one course's award. Pure.

A rule file holds one rule set:

    year: 2027             # takes effect from 1 January of this year (local time)
    method: bands          # or `declared`: the course's own `credit_hours` (course.md)
    bands:                 # bands only: over the course's minutes (its visible lessons' sum)
      - {from: 0, to: 15, hours: 0.25}
      - {from: 15, to: 30, hours: 0.5}
      - {from: 30, hours: 1}
    closing_test_bonus: 0.5   # bands only: added when the closing test is passed
    cap_per_course: 1.5       # optional: most hours one course earns
    cap_per_year: 60          # optional: most hours course completions earn in a year

Bands are read in any order, then must cover 0 minutes to no end exactly once: `from` is
inclusive, `to` exclusive, and only the last band has no `to`. `check_rule_text` lists every
problem it finds; nothing is loaded unless there is none.

`compute_award` is what the ledger applies at a completion; its `parts` are the structured
explanation stored with the entry (rendered by app.credits.explain).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from flask_babel import gettext as _

from app.models.credits import CREDIT_METHODS

RULE_KEYS = ("year", "method", "bands", "closing_test_bonus", "cap_per_course", "cap_per_year")
MAX_HOURS = 1000.0


@dataclass(frozen=True)
class Band:
    """Courses of at least `low` and less than `high` minutes (None: no end) earn `hours`."""

    low: int
    high: int | None
    hours: float

    def covers(self, minutes: int) -> bool:
        """Whether a course of `minutes` falls in this band."""
        return self.low <= minutes and (self.high is None or minutes < self.high)

    def as_json(self) -> dict[str, Any]:
        """The band as stored in CreditRule.bands."""
        return {"from": self.low, "to": self.high, "hours": self.hours}


@dataclass(frozen=True)
class RuleSpec:
    """A checked rule set, before or after it is stored."""

    year: int
    method: str
    bands: tuple[Band, ...] = ()
    closing_test_bonus: float = 0.0
    cap_per_course: float | None = None
    cap_per_year: float | None = None

    @classmethod
    def of(cls, rule: Any) -> RuleSpec:
        """The spec of a stored CreditRule."""
        return cls(
            year=rule.year,
            method=rule.method,
            bands=tuple(Band(b["from"], b["to"], b["hours"]) for b in rule.bands),
            closing_test_bonus=rule.closing_test_bonus,
            cap_per_course=rule.cap_per_course,
            cap_per_year=rule.cap_per_year,
        )


class RuleFileError(ValueError):
    """A rule file that cannot be loaded; `problems` says every reason, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _hours(data: dict[str, Any], key: str, problems: list[str], *, positive: bool) -> float | None:
    """An optional number of hours under `key`: 0 or more (more than 0 for caps)."""
    value = data.get(key)
    if value is None:
        return None
    if not _number(value) or value < 0 or (positive and value == 0) or value > MAX_HOURS:
        if positive:
            message = _("%(key)s must be a number of hours above 0 and at most %(max)d.",
                        key=key, max=int(MAX_HOURS))
        else:
            message = _("%(key)s must be a number of hours from 0 to %(max)d.",
                        key=key, max=int(MAX_HOURS))
        problems.append(message)
        return None
    return float(value)


def _bands(items: Any, found: list[str]) -> tuple[Band, ...]:
    """The bands, sorted, once each is well formed and together they cover every length."""
    problems: list[str] = []
    bands = _band_list(items, problems)
    found += problems
    return bands


def _band_list(items: Any, problems: list[str]) -> tuple[Band, ...]:
    if not isinstance(items, list) or not items:
        problems.append(_("bands must be a list of {from, to, hours} entries."))
        return ()
    bands = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or set(item) - {"from", "to", "hours"}:
            problems.append(_("Band %(n)d must have only from, to and hours.", n=number))
            continue
        low, high, hours = item.get("from"), item.get("to"), item.get("hours")
        if not isinstance(low, int) or isinstance(low, bool) or low < 0:
            problems.append(_("Band %(n)d: from must be a whole number of minutes, 0 or more.",
                              n=number))
        elif high is not None and (not isinstance(high, int) or isinstance(high, bool)
                                   or high <= low):
            problems.append(_("Band %(n)d: to must be a whole number of minutes above from.",
                              n=number))
        elif not _number(hours) or hours < 0 or hours > MAX_HOURS:
            problems.append(_("Band %(n)d: hours must be a number from 0 to %(max)d.",
                              n=number, max=int(MAX_HOURS)))
        else:
            bands.append(Band(low, high, float(hours)))
    if problems:
        return ()
    bands.sort(key=lambda band: band.low)
    reached = 0
    for band in bands:
        if reached is None or band.low < reached:
            problems.append(_("The band from %(low)d minutes overlaps the band before it.",
                              low=band.low))
        elif band.low > reached:
            problems.append(_("No band covers %(low)d to %(high)d minutes.",
                              low=reached, high=band.low))
        reached = band.high if reached is not None else None
    if reached is not None and not problems:
        problems.append(_("No band covers %(low)d minutes or more: leave out the last band's to.",
                          low=reached))
    return tuple(bands)


def check_rule_text(text: str) -> RuleSpec:
    """The rule set a YAML text describes, or RuleFileError listing every problem."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise RuleFileError([_("Line %(line)d: this is not valid YAML.", line=line)]) from None
    if not isinstance(data, dict):
        raise RuleFileError([_("The file must hold the keys %(keys)s.", keys=", ".join(RULE_KEYS))])
    problems: list[str] = []
    unknown = sorted(str(key) for key in data if key not in RULE_KEYS)
    if unknown:
        problems.append(_("Unknown key %(keys)s: use %(known)s.", keys=", ".join(unknown),
                          known=", ".join(RULE_KEYS)))
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        problems.append(_("year must be the year the rule takes effect, e.g. 2027."))
    method = data.get("method")
    if method not in CREDIT_METHODS:
        problems.append(_("method must be declared or bands."))
    bands: tuple[Band, ...] = ()
    if method == "bands":
        bands = _bands(data.get("bands"), problems)
    elif method == "declared":
        for key in ("bands", "closing_test_bonus"):
            if data.get(key) is not None:
                problems.append(_("%(key)s applies to method: bands only.", key=key))
    bonus = _hours(data, "closing_test_bonus", problems, positive=False)
    course_cap = _hours(data, "cap_per_course", problems, positive=True)
    year_cap = _hours(data, "cap_per_year", problems, positive=True)
    if problems:
        raise RuleFileError(problems)
    return RuleSpec(year, method, bands, bonus or 0.0, course_cap, year_cap)  # type: ignore[arg-type]


@dataclass(frozen=True)
class CourseFacts:
    """What a rule reads about a course at completion time."""

    declared_hours: float
    minutes: int
    has_closing_test: bool


@dataclass(frozen=True)
class Award:
    """Hours to write to the ledger, and why, as explanation parts."""

    hours: float
    parts: list[dict[str, Any]] = field(default_factory=list)


def _round(hours: float) -> float:
    return round(hours + 1e-9, 2)


def compute_award(
    rule: RuleSpec | None,
    course: CourseFacts,
    *,
    passed_closing_test: bool,
    earned_this_year: float,
) -> Award:
    """The hours a completion earns under `rule` (None: the course's declared hours).

    `earned_this_year` is what the learner's course completions already earned in the award's
    year; the yearly cap counts only those (adjustments and offline training are decided by a
    person and are not capped here).
    """
    if rule is None or rule.method == "declared":
        hours = _round(course.declared_hours)
        parts: list[dict[str, Any]] = [{"kind": "declared", "hours": hours}]
    else:
        band = next(b for b in rule.bands if b.covers(course.minutes))
        hours = band.hours
        parts = [{"kind": "band", "minutes": course.minutes, **band.as_json()}]
        if course.has_closing_test and passed_closing_test and rule.closing_test_bonus > 0:
            hours += rule.closing_test_bonus
            parts.append({"kind": "closing_test", "bonus": rule.closing_test_bonus})
        hours = _round(hours)
    if rule is not None and rule.cap_per_course is not None and hours > rule.cap_per_course:
        hours = rule.cap_per_course
        parts.append({"kind": "course_cap", "cap": rule.cap_per_course})
    if rule is not None and rule.cap_per_year is not None:
        room = max(0.0, _round(rule.cap_per_year - earned_this_year))
        if hours > room:
            hours = room
            parts.append({"kind": "year_cap", "cap": rule.cap_per_year,
                          "earned": _round(earned_this_year), "hours": room})
    return Award(_round(hours), parts)
