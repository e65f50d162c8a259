"""Stored credit rules: loading a checked rule set (a new version), and the rule in force.

The rule in force for a year is the newest version of the latest rule whose `year` is not
after it: a 2026 rule stays in force for 2027 unless a 2027 rule is loaded. Loading never
changes or deletes a rule, so every award keeps the rule it was computed with.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app import audit
from app.credits.rules import RuleFileError, RuleSpec, check_rule_text
from app.models import CreditRule, User


def rule_in_force(session: Session, year: int) -> CreditRule | None:
    """The rule applied to completions in `year` (None: none loaded; declared hours apply)."""
    return session.scalar(
        select(CreditRule)
        .where(CreditRule.year <= year)
        .order_by(CreditRule.year.desc(), CreditRule.version.desc())
        .limit(1)
    )


def all_rules(session: Session) -> list[CreditRule]:
    """Every rule version, newest year first, each year's newest version first."""
    return list(
        session.scalars(
            select(CreditRule)
            .options(joinedload(CreditRule.loaded_by))
            .order_by(CreditRule.year.desc(), CreditRule.version.desc())
        ).unique()  # a user's roles load with them (a joined collection)
    )


def load_rule(
    session: Session, text: str, *, actor: User | None, replace: bool = False
) -> tuple[CreditRule, bool]:
    """Check a rule file and store it as the newest version for its year; (rule, created).

    The same rule loaded again changes nothing (created is False). A year that already has a
    different rule is refused unless `replace`: the new version then applies to completions
    from now on, and awards already made keep theirs. Raises RuleFileError, writing nothing.
    """
    spec = check_rule_text(text)
    current = session.scalar(
        select(CreditRule)
        .where(CreditRule.year == spec.year)
        .order_by(CreditRule.version.desc())
        .limit(1)
    )
    if current is not None and RuleSpec.of(current) == spec:
        return current, False
    if current is not None and not replace:
        raise RuleFileError(
            [
                _(
                    "%(year)d already has a different rule (version %(version)d). Load it with"
                    " replace to make this one apply to completions from now on.",
                    year=spec.year,
                    version=current.version,
                )
            ]
        )
    rule = CreditRule(
        year=spec.year,
        version=current.version + 1 if current else 1,
        method=spec.method,
        bands=[band.as_json() for band in spec.bands],
        closing_test_bonus=spec.closing_test_bonus,
        cap_per_course=spec.cap_per_course,
        cap_per_year=spec.cap_per_year,
        source_text=text,
        loaded_by_id=actor.id if actor else None,
    )
    session.add(rule)
    session.flush()
    audit.record(
        session,
        "credit_rule_loaded",
        actor_id=actor.id if actor else None,
        subject=f"{spec.year} v{rule.version}",
        method=spec.method,
        replaced=current.version if current else None,
    )
    return rule, True
