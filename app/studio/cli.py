"""`flask --app app courses editors ...`: the studio's editors from the command line.

The command joins the `courses` group of app.content.cli from here, so the content package
knows nothing of the studio (app/cli.py imports this module to register it).
"""

from __future__ import annotations

import click
from flask_babel import force_locale

from app.content.cli import courses_cli
from app.db import db
from app.studio import editors, tidy


@courses_cli.command("editors")
@click.argument("course_id")
@click.option("--add", "add", metavar="USERNAME", help="Make this trainer an editor.")
@click.option("--remove", "remove", metavar="USERNAME", help="Take the course from this editor.")
def editors_command(course_id: str, add: str | None, remove: str | None) -> None:
    """List the editors of COURSE-ID, or add or remove one.

    Editors are the trainers who may upload, check and publish the course in the studio; the
    course need not be synced yet. Changes are audit-logged as made from the command line.
    """
    if add and remove:
        raise click.UsageError("give --add or --remove, not both")
    session = db.session
    username = add or remove
    if username:
        user = editors.trainer_by_username(session, username)
        if user is None:
            raise click.ClickException(f"No user is called {username!r}.")
        # The services' messages are for the web too; the command speaks English.
        with force_locale("en"):
            try:
                if add:
                    editors.grant(session, course_id, user, actor=None)
                else:
                    editors.revoke(session, course_id, user, actor=None)
            except editors.EditorError as error:
                session.rollback()
                raise click.ClickException(str(error)) from None
        session.commit()
        done = "now edits" if add else "no longer edits"
        click.echo(f"{user.username} {done} {course_id}.")
        return
    found = editors.editors_of(session, course_id)
    if not found:
        click.echo(f"{course_id} has no editors.")
    for editor in found:
        granter = editor.granted_by.username if editor.granted_by else "-"
        click.echo(
            f"{editor.user.username}\t{editor.created_at:%Y-%m-%d}\tgranted by {granter}"
        )


@courses_cli.command("studio-tidy")
@click.option("--dry-run", is_flag=True, help="List what would be removed; remove nothing.")
def studio_tidy_command(dry_run: bool) -> None:
    """Remove stray files from the studio's storage: folders of discarded or unknown revisions,
    and unpacked uploads older than an hour. Staged and published revisions are never touched.
    """
    done = tidy.tidy(db.session, dry_run=dry_run)
    verb = "Would remove" if dry_run else "Removed"
    for name in [*done.revisions, *done.incoming]:
        click.echo(f"{verb} {name}")
    count = len(done.revisions) + len(done.incoming)
    click.echo(f"{verb} {count} stray folder{'s' if count != 1 else ''}.")
