"""The `flask --app app courses ...` command group."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.content.check import check_paths, format_report

courses_cli = AppGroup("courses", help="Check and import the Markdown courses.")


@courses_cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="[PATH]...")
def check_command(paths: tuple[Path, ...]) -> None:
    """Check courses and report problems as `path:line: error: message`.

    PATH is a folder of courses or one course folder (with a course.md); by default the
    COURSES_DIR setting. Needs no database. Exits with status 1 when there is any error.
    """
    if not paths:
        courses_dir = current_app.config.get("COURSES_DIR")
        if not courses_dir:
            raise click.UsageError("COURSES_DIR is not configured; give a PATH to check")
        paths = (Path(courses_dir),)
    report = check_paths(paths)
    click.echo(format_report(report))
    if report.exit_code:
        click.get_current_context().exit(report.exit_code)
