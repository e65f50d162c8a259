"""What a database holds, as a backup describes it: the row count of every table and the
migration head; and what this app's migrations know, to refuse a backup from a newer app."""

from __future__ import annotations

from dataclasses import dataclass

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, inspect, text

from app.backup.archive import BackupError
from app.migrations import MIGRATIONS_DIR

VERSION_TABLE = "alembic_version"


@dataclass(frozen=True)
class Contents:
    """A database's migration head and the row count of each of its tables."""

    migration_head: str | None
    row_counts: dict[str, int]

    @property
    def data_tables(self) -> dict[str, int]:
        """Tables with rows other than the migrations' bookkeeping: what a restore would lose."""
        return {
            name: count
            for name, count in self.row_counts.items()
            if count and name != VERSION_TABLE
        }


def contents(connection: Connection) -> Contents:
    """Count the rows of every table the connection sees, and read the migration head.

    Run inside one transaction (a snapshot) so that the counts belong to one moment.
    """
    names = sorted(inspect(connection).get_table_names())
    quote = connection.dialect.identifier_preparer.quote
    # The names are the database's own tables, quoted as identifiers.
    counts = {
        name: int(connection.execute(text(f"SELECT count(*) FROM {quote(name)}")).scalar_one())  # noqa: S608
        for name in names
    }
    head = None
    if VERSION_TABLE in names:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
        head = ",".join(sorted(versions)) or None
    return Contents(head, counts)


def require_migrated(engine: Engine) -> None:
    """Refuse a database the migrations never ran on: there is nothing of the academy's in it."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            raise BackupError(
                f"The database {engine.url.database} has no academy tables: run"
                " `flask --app app db upgrade` first (or point DATABASE_URL at the right one)."
            )


def count_differences(expected: dict[str, int], found: dict[str, int]) -> list[str]:
    """Each table whose row count differs from the manifest's, as a line of text."""
    lines = []
    for name in sorted(set(expected) | set(found)):
        want, got = expected.get(name), found.get(name)
        if want is None:
            lines.append(f"table {name}: not in the backup's manifest ({got} rows)")
        elif got is None:
            lines.append(f"table {name}: missing ({want} rows in the manifest)")
        elif want != got:
            lines.append(f"table {name}: {got} rows, the manifest says {want}")
    return lines


def describe_rows(tables: dict[str, int], limit: int = 8) -> str:
    """`users: 120, audit_events: 3,411, ... and 9 more tables`, largest first."""
    ordered = sorted(tables.items(), key=lambda item: (-item[1], item[0]))
    text_ = ", ".join(f"{name}: {count:,}" for name, count in ordered[:limit])
    if len(ordered) > limit:
        text_ += f", ... and {len(ordered) - limit} more tables"
    return text_


def app_head() -> str:
    """The newest migration this app has."""
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None, "the app has migrations"
    return head


def known_revision(revision: str) -> bool:
    """Whether this app's migrations include `revision` (a backup from a newer app does not)."""
    try:
        return ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(revision) is not None
    except CommandError:
        return False


def check_head_known(head: str | None) -> None:
    """Refuse a backup whose migration head this app does not know."""
    if head is None:
        raise BackupError("The backup's database has no migration head: it is not the academy's.")
    unknown = [revision for revision in head.split(",") if not known_revision(revision)]
    if unknown:
        raise BackupError(
            f"The backup's database is at migration {head}, which this app does not know (its"
            f" newest is {app_head()}): it was made by a newer version of the academy. Restore"
            " it with that version. Nothing was written."
        )
