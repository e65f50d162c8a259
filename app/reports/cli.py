"""`flask --app app reports export` (the same reports as the pages, for scheduled jobs) and
`reports verify` (the unit report's counters against the rows they count)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup

from app.content.lookup import course_by_slug
from app.db import db
from app.organisation.tree import unit_by_code
from app.reports import builders, counters, downloads, month_counters, queries
from app.reports.exports import FORMATS, export

reports_cli = AppGroup(
    "reports", help="Export unit-level completion reports; check their counters."
)


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use the form YYYY-MM-DD", param_hint=name) from None


@reports_cli.command("export")
@click.option("--unit", "unit_code", required=True, help="Code of the unit (its whole subtree).")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), required=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--report",
    type=click.Choice(["units", "learners", "course"]),
    default="units",
    show_default=True,
    help="The unit report, the learner list, or one course lesson by lesson.",
)
@click.option(
    "--course",
    "course_slug",
    default=None,
    help="Limit to one course (required for --report course).",
)
@click.option("--from", "date_from", default=None, help="Completion period start, YYYY-MM-DD.")
@click.option(
    "--to", "date_to", default=None, help="Completion period end (inclusive), YYYY-MM-DD."
)
@click.option(
    "--status", type=click.Choice(queries.STATUSES), default=None, help="Learner list only."
)
def export_command(
    unit_code: str,
    fmt: str,
    out: Path,
    report: str,
    course_slug: str | None,
    date_from: str | None,
    date_to: str | None,
    status: str | None,
) -> None:
    """Write a report for a unit and everything below it to FILE (CSV, XLSX or PDF)."""
    session = db.session
    unit = unit_by_code(session, unit_code)
    if unit is None:
        raise click.ClickException(f"No unit has the code {unit_code!r}.")
    course = None
    if course_slug:
        course = course_by_slug(session, course_slug)
        if course is None:
            raise click.ClickException(f"No course has the id {course_slug!r}.")
    if report == "course" and course is None:
        raise click.UsageError("--report course needs --course ID")
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    now = datetime.now(zone)
    filters = queries.ReportFilters(
        course=course,
        date_from=_day(date_from, "--from"),
        date_to=_day(date_to, "--to"),
        status=status,
        zone=zone,
        today=now.date(),
    )
    table, count = downloads.download_table(session, report, unit, filters, now, fmt)
    partial = out.with_name(out.name + ".part")
    with partial.open("wb") as handle:
        export(table, fmt, handle, **builders.format_options(fmt))
    partial.replace(out)  # never leave a half-written report where a job expects a whole one
    downloads.record_download(
        session,
        "report_exported",
        actor_id=None,
        unit=unit,
        report=report,
        fmt=fmt,
        rows=count,
        filters=filters,
        file=str(out),
    )
    session.commit()
    click.echo(f"Wrote {count} row(s) to {out}.")


@reports_cli.command("verify")
@click.option("--fix", is_flag=True, help="Replace the counters with their recomputation.")
def verify_command(fix: bool) -> None:
    """Recompute the unit report's counters from enrollments, ledger entries and users and
    list every one that drifted; exit status 1 when any did (0 after --fix mends them)."""
    session = db.session
    drifted = counters.drift(session) + month_counters.drift(session)
    for item in drifted[:50]:
        key = "/".join(str(part) for part in item.key)
        click.echo(
            f"{item.table} {key} {item.field}: stored {item.stored:g}, counted {item.expected:g}"
        )
    if len(drifted) > 50:
        click.echo(f"... and {len(drifted) - 50} more.")
    if not drifted:
        click.echo("The report counters agree with the rows they count.")
        return
    if not fix:
        click.echo(f"{len(drifted)} counters drifted; run `reports verify --fix` to mend them.")
        raise SystemExit(1)
    counters.rebuild(session)
    month_counters.rebuild(session)
    # The command is its own transaction: the mended counters are kept only if all went in.
    session.commit()
    left = counters.drift(session) + month_counters.drift(session)
    click.echo(f"Mended {len(drifted)} counters; {len(left)} differ now.")
    if left:
        raise SystemExit(1)
