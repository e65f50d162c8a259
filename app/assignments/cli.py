"""`flask --app app assignments ...` commands."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from app.assignments import services
from app.content.lookup import course_by_slug
from app.db import db
from app.organisation.tree import unit_by_code

assignments_cli = AppGroup("assignments", help="Assign required courses to units.")


@assignments_cli.command("add")
@click.option("--unit", "unit_code", required=True, help="Code of the unit.")
@click.option("--course", "course_slug", required=True, help="Course id (as in course.md).")
@click.option("--due", "due", default=None, help="Due date, YYYY-MM-DD.")
@click.option(
    "--subunits/--no-subunits",
    default=True,
    show_default=True,
    help="Whether units below the unit get the assignment too.",
)
@click.option("--required/--optional", default=True, show_default=True)
def add_command(
    unit_code: str, course_slug: str, due: str | None, subunits: bool, required: bool
) -> None:
    """Assign a course to a unit (replacing an earlier assignment of it to that unit)."""
    session = db.session
    unit = unit_by_code(session, unit_code)
    if unit is None:
        raise click.ClickException(f"No unit has the code {unit_code!r}.")
    course = course_by_slug(session, course_slug)
    if course is None:
        raise click.ClickException(
            f"No course has the id {course_slug!r}; run `flask --app app courses sync` first."
        )
    try:
        due_date = date.fromisoformat(due) if due else None
    except ValueError:
        raise click.BadParameter(
            "use the form YYYY-MM-DD, e.g. 2027-03-31", param_hint="--due"
        ) from None
    try:
        services.assign(
            session, unit, course, due_date=due_date, required=required, include_subunits=subunits
        )
    except services.AssignmentError as error:
        raise click.ClickException(str(error)) from None
    session.commit()
    click.echo(
        f"Assigned {course.slug} to {unit.code}"
        f"{' and the units below it' if subunits else ''}"
        f"{f', due {due_date.isoformat()}' if due_date else ''}."
    )
