"""`flask --app app backup create|verify|restore FILE`: backups that are checked, not hoped for.

See app/backup/archive.py for what the file holds, and the README's "Backup and restore".
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.backup import operations
from app.backup.archive import BackupError

backup_cli = AppGroup("backup", help="Back up, check and restore the database and its files.")


def _echo(line: str) -> None:
    click.echo(line)


def _report(outcome: operations.Outcome) -> None:
    """Print the notes, and the problems to stderr with exit status 1."""
    for note in outcome.notes:
        click.echo(f"Note: {note}")
    if outcome.problems:
        for problem in outcome.problems:
            click.echo(f"  {problem}", err=True)
        raise click.ClickException(
            f"{len(outcome.problems)} difference(s) from the backup's manifest (listed above)."
        )


@backup_cli.command("create")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
def create_command(file: Path, force: bool) -> None:
    """Write a backup of the database and the instance files to FILE.

    The site keeps serving meanwhile: SQLite is copied with its online backup API, PostgreSQL
    dumped with `pg_dump --format=custom` inside one snapshot. With them go the evidence files
    of training claims, the studio's revisions and git checkouts, and instance/outbox; never
    the secret key. FILE is a tar archive (gzip-compressed if its name ends in .gz or .tgz)
    with a manifest of row counts and SHA-256 checksums, readable by its owner only. It is
    written beside FILE and renamed into place when whole. Audit-logged.
    """
    try:
        outcome = operations.create(current_app, file, force=force, echo=_echo)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    manifest = outcome.manifest
    click.echo(
        f"Wrote {file} ({operations.human_size(outcome.size)},"
        f" {operations.counted(len(manifest.members), 'member')},"
        f" {operations.counted(manifest.total_rows, 'row')}). Check it with `backup verify {file}`."
    )


@backup_cli.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def verify_command(file: Path) -> None:
    """Check that FILE restores: every member against its checksum, then the database restored
    into a scratch database (a temporary SQLite file, or a temporary PostgreSQL database on the
    server of DATABASE_URL, dropped afterwards) with its migration head and every table's row
    count compared with the manifest. Exit status 1 on any difference. The live database is
    never touched."""
    try:
        outcome = operations.verify(current_app, file, echo=_echo)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    _report(outcome)
    click.echo(f"{file} is sound: it restores to what its manifest says.")


@backup_cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database or folders that hold data.")
def restore_command(file: Path, force: bool) -> None:
    """Restore the backup FILE into the configured database and instance folders.

    Stop the app first. A target that holds any rows or files is refused (saying what is
    there) unless --force. The whole archive is checked before anything is written: SQLite's
    file is rewritten from a checked scratch copy, PostgreSQL's schema is replaced in one
    transaction; the instance folders are swapped for the backup's. Then every table's row
    count is compared with the manifest. Audit-logged.
    """
    try:
        outcome = operations.restore(current_app, file, force=force, echo=_echo)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    _report(outcome)
    click.echo(f"Restored {file}, taken {outcome.manifest.created_at}.")
