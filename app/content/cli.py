"""The `flask --app app courses ...` command group."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from app.content.check import check_paths, format_problem, format_report
from app.content.intake import UnsafeCourseError
from app.content.model import CourseSource
from app.content.sync import CourseSync, sync_and_refresh
from app.content.sync_audit import os_user, record_sync_run
from app.db import db

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


@courses_cli.command("sync")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="[PATH]...")
def sync_command(paths: tuple[Path, ...]) -> None:
    """Check courses, then import every course without errors into the database.

    PATH follows the same rules as `check`. A course with errors is refused and its errors
    printed; each other course is imported in one transaction. Lessons and questions that have
    left the files are archived (hidden from learners, kept for reports), never deleted.
    Each run is audit-logged: the OS user who ran it, each course and what came of it, and
    the errors. Exits with status 1 when any course was refused.
    """
    paths = paths or (Path(current_app.config["COURSES_DIR"]),)
    report = check_paths(paths)
    session = db.session
    refused = [c for c in report.courses if report.errors_in(c)]
    importable = [c for c in report.courses if not report.errors_in(c)]
    errors = [format_problem(p) for p in report.problems if p.severity == "error"]
    if report.problems:
        click.echo(format_report(report), err=bool(refused))
    total = sum(1 for c in importable for _ in c.lessons())
    results = []
    try:
        with click.progressbar(length=total, label="Importing lessons", file=sys.stderr) as bar:
            for course in importable:
                try:
                    result = sync_and_refresh(session, course, progress=lambda _slug: bar.update(1))
                except UnsafeCourseError as unsafe:
                    # Changed since the check: the gate refuses it again, and nothing is written.
                    session.rollback()
                    for problem in unsafe.problems:
                        click.echo(format_problem(problem), err=True)
                        errors.append(format_problem(problem))
                    refused.append(course)
                    continue
                session.commit()
                results.append(result)
    except Exception as failure:
        # The run stops here, but the log still says who ran it and what it did so far.
        session.rollback()
        done = {result.slug for result in results}
        pending = [c for c in importable if c.id not in done and c not in refused]
        failure_line = f"{type(failure).__name__}: {failure}"
        _record_run(session, paths, results, [*refused, *pending], [*errors, failure_line])
        raise
    _record_run(session, paths, results, refused, errors)
    for result in results:
        click.echo(
            f"{result.slug}: {result.outcome}; lessons: {result.lessons}; "
            f"questions: {result.questions}"
        )
    for course in refused:
        click.echo(f"{course.id}: refused, fix the errors above and sync again", err=True)
    click.echo(f"Synced {len(results)} course(s), refused {len(refused)}.")
    if refused:
        click.get_current_context().exit(1)


def _record_run(
    session: Session,
    paths: tuple[Path, ...],
    results: list[CourseSync],
    refused: list[CourseSource],
    errors: list[str],
) -> None:
    """Audit-log the run as the OS user running the command, in a commit of its own."""
    record_sync_run(
        session,
        paths=[str(path) for path in paths],
        synced=results,
        refused=[course.id for course in refused],
        errors=errors,
        run_by=os_user(),
    )
    session.commit()
