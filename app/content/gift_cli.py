"""`flask --app app courses import-gift FILE --course-dir DIR --pool NAME`: a Moodle GIFT
question bank written as a pool of a course (app.content.gift does the converting)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from app.content.check import check_paths, format_problem
from app.content.cli import courses_cli
from app.content.gift import convert
from app.content.gift_text import GiftError, decode

POOL_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
MAX_GIFT_BYTES = 20 * 1024 * 1024


@courses_cli.command("import-gift")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--course-dir",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The course folder (with its course.md) the pool is written into.",
)
@click.option("--pool", "pool", required=True, help="The pool's name: pools/NAME.md.")
@click.option("--force", is_flag=True, help="Replace a pool file of that name.")
def import_gift_command(file: Path, course_dir: Path, pool: str, force: bool) -> None:
    """Convert the GIFT question bank FILE into DIR/pools/NAME.md in this academy's quiz format.

    What cannot be converted is reported as `FILE:line: warning: ...` and left out; the pool
    is then checked as `courses check` would. Nothing is written when nothing converts, and an
    existing pool is kept unless --force. Exits 1 when nothing was written.
    """
    if not POOL_NAME.match(pool):
        raise click.UsageError("--pool must be lowercase letters, digits and dashes, e.g. final")
    if not (course_dir / "course.md").is_file():
        raise click.ClickException(f"{course_dir} has no course.md; give a course folder")
    target = course_dir / "pools" / f"{pool}.md"
    if target.exists() and not force:
        raise click.ClickException(f"{target} exists; give --force to replace it")
    if file.stat().st_size > MAX_GIFT_BYTES:
        raise click.ClickException(f"{file}: larger than 20 MB; split the question bank")
    try:
        text = decode(file.read_bytes())
    except GiftError as error:
        raise click.ClickException(f"{file}: {error}") from None
    result = convert(text, file, pool)
    for problem in result.problems:
        click.echo(format_problem(problem), err=problem.severity != "info")
    if not result.blocks:
        click.echo(f"Nothing converted from {file}; nothing written.", err=True)
        sys.exit(1)
    target.parent.mkdir(exist_ok=True)
    target.write_text("\n".join(result.blocks), encoding="utf-8")
    report = check_paths([course_dir])
    for problem in report.problems:
        if problem.path == target and problem.severity != "info":
            click.echo(format_problem(problem), err=True)
    count = len(result.blocks)
    click.echo(f"Wrote {count} question{'s' if count != 1 else ''} to {target}.")
