"""`flask --app app courses pull REPO-URL`: stage (or publish) the courses of a git repository.

Joins the `courses` group of app.content.cli from here, like `courses editors`.
"""

from __future__ import annotations

import click
from flask_babel import force_locale

from app.content.cli import courses_cli
from app.db import db
from app.studio import git_pulls
from app.studio.git_source import GitSourceError


@courses_cli.command("pull")
@click.argument("repo_url")
@click.option(
    "--ref", default=None, metavar="BRANCH", help="Branch or tag (default: the default branch)."
)
@click.option(
    "--path",
    "subdir",
    default="",
    metavar="SUBDIR",
    help="Folder of the courses in the repository.",
)
@click.option("--publish", is_flag=True, help="Publish each changed course that has no errors.")
def pull_command(repo_url: str, ref: str | None, subdir: str, publish: bool) -> None:
    """Fetch REPO-URL with git, check every course whose files changed, and stage it.

    The first pull clones the repository into the instance folder (STUDIO_DIR/git); later ones
    fetch. Each changed course becomes a staged revision that editors see in the studio (with
    --publish, one without errors is published at once, as `courses sync` would). A course
    whose files equal its newest revision is left alone. Exits with status 1 when git cannot
    fetch, or any course was refused or has errors.
    """
    session = db.session
    with force_locale("en"):
        try:
            outcome = git_pulls.pull_courses(
                session, repo_url, ref=ref, path=subdir, publish=publish
            )
        except (GitSourceError, ValueError) as error:
            session.rollback()
            raise click.ClickException(str(error)) from None
    session.commit()
    click.echo(f"At {outcome.commit[:12]} (was {(outcome.previous or 'nothing')[:12]}).")
    if not outcome.courses:
        click.echo("No course changed.")
    for course in outcome.courses:
        name = course.course_id or course.folder
        if course.refused:
            click.echo(f"{name}: refused: {course.refused}", err=True)
        elif course.revision is None:
            click.echo(f"{name}: unchanged")
        else:
            state = "published" if course.published else "staged"
            click.echo(
                f"{name}: {state} as revision {course.revision} "
                f"({course.errors} errors, {course.warnings} warnings)"
            )
    if not outcome.ok:
        click.get_current_context().exit(1)
