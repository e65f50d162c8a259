"""`flask --app app units import` and `flask --app app users import`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from app.db import db
from app.imports.codes_file import codes_csv, write_private
from app.imports.csv_files import RowError
from app.imports.units import import_units, plan_units
from app.imports.users import import_users, plan_users

units_cli = AppGroup("units", help="Manage organisational units.")


def _fail(file: Path, errors: list[RowError]) -> None:
    """Print every error like a compiler does and stop with status 1."""
    for error in errors:
        click.echo(f"{file}:{error.row}: {error.message}", err=True)
    click.echo(f"{len(errors)} error(s); nothing was written.", err=True)
    sys.exit(1)


def _dry_run_line(created: int, updated: int, unchanged: int) -> str:
    return (
        f"Dry run: {created} to create, {updated} to update, {unchanged} unchanged; "
        "nothing written."
    )


@units_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report; write nothing.")
def units_import(file: Path, dry_run: bool) -> None:
    """Create or update units from FILE, a CSV with the header `code,name,parent_code`.

    Units are matched by code; an empty parent_code makes a top-level unit, and parents may
    come after their children. UTF-8 (with or without BOM) and GB18030 are read. Errors are
    printed as FILE:ROW: message (row 2 is the first data row) and then nothing is written.
    """
    session = db.session
    plan = plan_units(session, file.read_bytes())
    if plan.errors:
        session.rollback()
        _fail(file, plan.errors)
    counts = (plan.count("create"), plan.count("update"), plan.count("unchanged"))
    if dry_run:
        session.rollback()
        click.echo(_dry_run_line(*counts))
        return
    summary = import_units(session, plan, actor_id=None, source=file.name)
    session.commit()
    click.echo(
        f"Units: {summary.created} created, {summary.updated} updated, "
        f"{summary.unchanged} unchanged."
    )


@click.command("import")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report; write nothing.")
@click.option(
    "--codes-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the activation codes to this CSV file instead of printing them.",
)
@click.option(
    "--new-codes",
    is_flag=True,
    help="Also give new codes to listed users who have not activated their account yet.",
)
def users_import(file: Path, dry_run: bool, codes_out: Path | None, new_codes: bool) -> None:
    """Create or update users from FILE, a CSV with the header
    `username,full_name,email,unit_code,roles`.

    Users are matched by username; roles are separated by `;` (default: learner; hr is scoped
    to the user's unit; an empty cell keeps an existing user's roles). Passwords are never
    touched. New users get a one-time activation code, valid for ACTIVATION_CODE_DAYS, for
    the page /activate: the codes are printed, or written to --codes-out (CSV, UTF-8 with BOM:
    username,full_name,unit_code,activation_code,expires_at). Errors are printed as
    FILE:ROW: message and then nothing is written.
    """
    session = db.session
    plan = plan_users(session, file.read_bytes())
    if plan.errors:
        session.rollback()
        _fail(file, plan.errors)
    if dry_run:
        session.rollback()
        counts = (plan.count("create"), plan.count("update"), plan.count("unchanged"))
        click.echo(_dry_run_line(*counts))
        return
    summary, issued = import_users(
        session, plan, new_codes=new_codes, actor_id=None, source=file.name
    )
    content = codes_csv(issued)
    if codes_out is not None:
        # Written before the commit: codes that could not be handed out would be useless.
        write_private(codes_out, content)
    try:
        session.commit()
    except Exception:
        if codes_out is not None:
            codes_out.unlink(missing_ok=True)
        raise
    click.echo(
        f"Users: {summary.created} created, {summary.updated} updated, "
        f"{summary.unchanged} unchanged; {len(issued)} activation code(s)."
    )
    if codes_out is not None:
        click.echo(f"Activation codes written to {codes_out}.")
    elif issued:
        click.echo(content.lstrip("\ufeff"), nl=False)
