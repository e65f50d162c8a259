"""The audit event of one `courses sync` run: who ran it, which courses, and what came of each.

One event per run (not per course), written by the caller after the last course, so that a run
that imported nothing, or failed half-way, is in the log as well as one that went through.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session

from app import audit
from app.content.sync import CourseSync

# Enough lines to see what went wrong; a run over hundreds of broken files does not make a
# megabyte row (the full list was printed to whoever ran the command).
MAX_ERRORS = 50


def os_user() -> str:
    """The name of the operating-system account running this process ('' if it has none)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container's uid without a passwd entry or LOGNAME
        return ""


def record_sync_run(
    session: Session,
    *,
    paths: Sequence[str],
    synced: Iterable[CourseSync],
    refused: Iterable[str],
    errors: Sequence[str] = (),
    actor_id: int | None = None,
    run_by: str | None = None,
) -> None:
    """Add the `courses_synced` audit event of a run to the session; the caller commits.

    `synced` are the results of the imported courses (added, updated or unchanged), `refused`
    the ids of the courses not imported, `errors` the problems (or failure) that kept them
    out. Who ran it is the signed-in `actor_id` from the web, else `run_by`, the OS user of a
    command.
    """
    courses = {result.slug: result.outcome for result in synced}
    failed = sorted(set(refused))
    courses.update(dict.fromkeys(failed, "failed"))
    outcomes = list(courses.values())
    audit.record(
        session,
        "courses_synced",
        actor_id=actor_id,
        subject=", ".join(sorted(courses))[:200] or None,
        run_by=run_by,
        paths=list(paths),
        courses=dict(sorted(courses.items())),
        created=outcomes.count("added"),
        updated=outcomes.count("updated"),
        unchanged=outcomes.count("unchanged"),
        failed=len(failed),
        outcome="failed" if failed or errors else "ok",
        errors=list(errors[:MAX_ERRORS]),
        more_errors=max(0, len(errors) - MAX_ERRORS),
    )
