"""`flask --app app attempts ...`: extra quiz attempts, for administrators on the server."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.auth.identity_text import normalise_username
from app.content.lookup import course_by_slug
from app.db import db
from app.models import Lesson, User
from app.quiz import grants

attempts_cli = AppGroup("attempts", help="Quiz attempts: grant a learner extra attempts.")


@attempts_cli.command("grant")
@click.argument("username")
@click.option("--course", "course_slug", required=True, help="Course id (as in course.md).")
@click.option("--lesson", "lesson_slug", required=True, help="Lesson id within the course.")
@click.option(
    "--count",
    default=1,
    show_default=True,
    type=int,
    help=f"How many more attempts (1 to {grants.MAX_GRANT_COUNT}).",
)
@click.option("--reason", required=True, help="Why; the learner sees it and it is audit-logged.")
def grant_command(
    username: str, course_slug: str, lesson_slug: str, count: int, reason: str
) -> None:
    """Grant USERNAME COUNT more attempts at one lesson's quiz, with a reason.

    Attempts allowed become the lesson's max_attempts plus everything granted. The grant is
    audit-logged as made from the command line (no signed-in granter).
    """
    session = db.session
    learner = session.scalar(select(User).where(User.username == normalise_username(username)))
    if learner is None:
        raise click.ClickException(f"No user has the username {username!r}.")
    course = course_by_slug(session, course_slug)
    if course is None:
        raise click.ClickException(
            f"No course has the id {course_slug!r}; run `flask --app app courses sync` first."
        )
    lesson = session.scalar(
        select(Lesson).where(
            Lesson.course_id == course.id, Lesson.slug == lesson_slug, Lesson.archived.is_(False)
        )
    )
    if lesson is None:
        raise click.ClickException(
            f"Course {course.slug} has no lesson with the id {lesson_slug!r}."
        )
    try:
        grants.grant_attempts(
            session, learner, course, lesson, count=count, reason=reason, granted_by=None
        )
    except grants.GrantError as error:
        raise click.ClickException(f"{course.slug}/{lesson.slug}: {error}") from None
    allowed = grants.allowed_for(session, learner, lesson)
    session.commit()
    click.echo(
        f"Granted {count} more attempt{'s' if count != 1 else ''} to {learner.username} at "
        f"{course.slug}/{lesson.slug}: {allowed} allowed in all."
    )
