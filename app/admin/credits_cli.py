"""`flask --app app credits ...`: credit rules, adjustments, backfilling, user categories.

Here rather than in app/credits because the commands look users up by username the way
sign-in does (app.auth), and app.credits must not depend on app.auth: the progress rollups
that write the ledger sit below auth in the package graph.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.auth.identity_text import normalise_username
from app.credits import categories, ledger, store
from app.credits.rules import RuleFileError
from app.db import db
from app.i18n import local_now
from app.models import User

credits_cli = AppGroup("credits", help="Credit hours: rules, adjustments, categories.")
rules_cli = AppGroup("rules", help="Credit rules, versioned by year.")
credits_cli.add_command(rules_cli)


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == normalise_username(username)))
    if user is None:
        raise click.ClickException(f"No user is called {username!r}.")
    return user


def describe(rule: object) -> str:
    """A rule version as one line of plain text."""
    parts = [f"{rule.year} v{rule.version}: {rule.method}"]  # type: ignore[attr-defined]
    for band in rule.bands:  # type: ignore[attr-defined]
        end = f"-{band['to']}" if band["to"] is not None else "+"
        parts.append(f"{band['from']}{end} min: {band['hours']:g} h")
    if rule.closing_test_bonus:  # type: ignore[attr-defined]
        parts.append(f"closing test +{rule.closing_test_bonus:g}")  # type: ignore[attr-defined]
    for label, cap in (("per course", rule.cap_per_course), ("per year", rule.cap_per_year)):  # type: ignore[attr-defined]
        if cap is not None:
            parts.append(f"cap {cap:g} h {label}")
    return "; ".join(parts)


@rules_cli.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Replace the year's rule for completions from now.")
def rules_load(file: Path, replace: bool) -> None:
    """Check a rule file (YAML, see app/credits/rules.py) and load it; nothing is written if it
    has any error. A year that already has a different rule needs --replace; awards already
    made keep the rule they were computed with. Audit-logged."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file}: not UTF-8 text.") from None
    try:
        rule, created = store.load_rule(db.session, text, actor=None, replace=replace)
    except RuleFileError as error:
        db.session.rollback()
        raise click.ClickException(
            "\n".join(f"{file}: error: {problem}" for problem in error.problems)
        ) from None
    db.session.commit()
    click.echo(("Loaded " if created else "Unchanged, already loaded: ") + describe(rule))


@rules_cli.command("show")
def rules_show() -> None:
    """List every rule version, newest first, and the one in force this year."""
    year = local_now().year
    in_force = store.rule_in_force(db.session, year)
    rules = store.all_rules(db.session)
    if not rules:
        click.echo("No credit rule loaded: every course earns its declared credit_hours.")
    for rule in rules:
        mark = f"  (in force in {year})" if in_force is not None and rule.id == in_force.id else ""
        click.echo(describe(rule) + mark)


# A negative HOURS (-0.5) must reach the argument rather than be read as an option.
@credits_cli.command("adjust", context_settings={"ignore_unknown_options": True})
@click.argument("username")
@click.argument("hours", type=float)
@click.option("--reason", required=True, help="Why; the learner reads it on their record.")
@click.option("--year", type=int, default=None, help="The year it counts for (default: this).")
def credits_adjust(username: str, hours: float, reason: str, year: int | None) -> None:
    """Add HOURS (negative: take them away) to USERNAME's credit hours, with a reason.
    Audit-logged as done from the command line."""
    user = _user(username)
    try:
        entry = ledger.adjust(
            db.session, user, hours, reason=reason, year=year or local_now().year, actor=None
        )
    except ledger.LedgerError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"{user.username}: {entry.hours:+g} h in {entry.year} ({entry.reason}).")


@credits_cli.command("backfill")
def credits_backfill() -> None:
    """Write a ledger entry for every completed enrollment without one, with the hours it was
    awarded. Needed only for enrollments written around the app (the migration to the ledger
    did it for earlier completions); running it again writes nothing."""
    count = ledger.backfill_completions(db.session)
    db.session.commit()
    click.echo(f"{count} completion(s) recorded in the ledger.")


@credits_cli.command("set-category")
@click.argument("username")
@click.argument("category", required=False, default="")
def credits_set_category(username: str, category: str) -> None:
    """Give USERNAME a cadre CATEGORY (one of CREDIT_CATEGORIES), which sets their yearly
    target; without CATEGORY, remove it. Audit-logged."""
    user = _user(username)
    try:
        changed = categories.set_category(
            db.session, user, category.strip() or None, config=current_app.config, actor_id=None
        )
    except ValueError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    target = categories.target_for(current_app.config, user.category)
    state = "changed" if changed else "unchanged"
    category = user.category or "none"
    click.echo(f"{user.username}: category {category} ({state}), target {target:g} h.")
