"""`flask --app app demo` and `demo generate`: demo accounts and synthetic organisations."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.db import db
from app.demo.accounts import load_demo, load_demo_courses
from app.demo.organisation import generate_organisation


@click.group("demo", invoke_without_command=True)
@click.pass_context
@with_appcontext
def demo_command(ctx: click.Context) -> None:
    """Create demo units and accounts (idempotent) and load the shipped courses."""
    if ctx.invoked_subcommand is not None:
        return  # e.g. `demo generate`, which has its own guard
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException(
            "The demo accounts have published passwords: run `demo` with ACADEMY_ENV=development."
        )
    session = db.session
    accounts_made = load_demo(session)
    session.commit()
    for line in load_demo_courses(session, current_app.config["COURSES_DIR"]):
        click.echo(line)
    session.commit()
    click.echo("Demo accounts (username / password / roles):")
    for username, password, roles in accounts_made:
        click.echo(f"  {username:<10} {password:<22} {', '.join(roles)}")


@demo_command.command("generate")
@click.option("--learners", type=click.IntRange(min=0), required=True, help="How many learners.")
@click.option("--units", type=click.IntRange(min=1), required=True, help="Units in the tree.")
@click.option("--courses", type=click.IntRange(1, 99), required=True, help="Courses to assign.")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed.")
@click.option(
    "--lesson-progress/--no-lesson-progress",
    default=True,
    show_default=True,
    help="Also write per-lesson rows (the course breakdown reads them; slower).",
)
def demo_generate(
    learners: int, units: int, courses: int, seed: int, lesson_progress: bool
) -> None:
    """Add a synthetic organisation: a unit tree (depth up to 6), courses assigned to it,
    learners (without passwords) and their progress. Each run adds a new one (GEN, GEN2...)."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException(
            "Generated data is for trying things out: run `demo generate` with"
            " ACADEMY_ENV=development."
        )
    session = db.session
    with click.progressbar(length=learners, label="Writing learners and progress") as bar:
        summary = generate_organisation(
            session,
            learners=learners,
            units=units,
            courses=courses,
            seed=seed,
            lesson_progress=lesson_progress,
            progress=bar.update,
        )
    session.commit()
    for line in summary.lines():
        click.echo(line)
