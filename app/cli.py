"""`flask --app app ...` commands. Each command's docstring is its --help text."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from app import migrations
from app.admin.credits_cli import credits_cli
from app.assignments.cli import assignments_cli
from app.auth import second_factor
from app.auth import services as accounts
from app.backup.cli import backup_cli
from app.content import gift_cli as _gift_cli  # noqa: F401  (adds `courses import-gift`)
from app.content.cli import courses_cli
from app.db import db
from app.demo.cli import demo_command
from app.imports.cli import units_cli, users_import
from app.models import ROLES, User
from app.organisation.tree import unit_by_code
from app.quiz.cli import attempts_cli
from app.reports.cli import reports_cli
from app.studio import cli as _studio_cli  # noqa: F401  (adds `courses editors`)
from app.studio import pull_cli as _pull_cli  # noqa: F401  (adds `courses pull`)

db_cli = AppGroup("db", help="Database schema migrations (Alembic).")
users_cli = AppGroup("users", help="Manage user accounts.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    migrations.upgrade(db.engine, revision)
    click.echo(f"Database at {revision}.")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION."""
    migrations.downgrade(db.engine, revision)
    click.echo(f"Database at {revision}.")


@db_cli.command("revision")
@click.option("-m", "--message", required=True, help="What the migration changes.")
@click.option("--rev-id", default=None, help="Revision id, e.g. 0002 (default: random).")
def db_revision(message: str, rev_id: str | None) -> None:
    """Write a new migration from the difference between models and database."""
    migrations.revision(db.engine, message, rev_id)


@users_cli.command("create")
@click.argument("username")
@click.option(
    "--role", "roles", multiple=True, type=click.Choice(ROLES), help="Repeat for several roles."
)
@click.option("--unit", "unit_code", help="Code of the user's unit.")
@click.option("--full-name", default="", help="Full name (default: the username).")
@click.option("--email", default=None, help="Email address.")
@click.option("--password", default=None, help="Password (prompted without echo if left out).")
def users_create(
    username: str,
    roles: tuple[str, ...],
    unit_code: str | None,
    full_name: str,
    email: str | None,
    password: str | None,
) -> None:
    """Create USERNAME with the given roles (default: learner)."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    session = db.session
    unit = None
    if unit_code:
        unit = unit_by_code(session, unit_code)
        if unit is None:
            raise click.ClickException(f"No unit has the code {unit_code!r}.")
    try:
        user = accounts.create_user(
            session,
            username,
            full_name=full_name,
            password=password,
            roles=set(roles),
            unit=unit,
            email=email,
        )
    except accounts.AccountError as error:
        session.rollback()
        raise click.ClickException(str(error)) from None
    session.commit()
    click.echo(f"Created {user.username} ({', '.join(sorted(user.role_names))}).")


@users_cli.command("reset-mfa")
@click.argument("username")
def users_reset_mfa(username: str) -> None:
    """Remove USERNAME's authenticator and recovery codes and end all their sessions.

    For a person who lost both their phone and their recovery codes. Audit-logged as done from
    the command line; a role that requires a second factor sends them to set one up again at
    their next sign-in.
    """
    session = db.session
    name = accounts.normalise_username(username)
    user = session.scalar(select(User).where(User.username == name))
    if user is None:
        raise click.ClickException(f"No user is called {username!r}.")
    had_one = second_factor.reset(session, user, actor_id=None)
    session.commit()
    what = "removed its authenticator and recovery codes" if had_one else "had no authenticator"
    click.echo(f"{user.username}: {what}; every session ended.")


def init_app(app: Flask) -> None:
    """Register the command groups."""
    app.cli.add_command(db_cli)
    app.cli.add_command(users_cli)
    users_cli.add_command(users_import)
    app.cli.add_command(units_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(courses_cli)
    app.cli.add_command(assignments_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(attempts_cli)
    app.cli.add_command(credits_cli)
    app.cli.add_command(backup_cli)
