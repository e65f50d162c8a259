"""Who may edit which course: administrators every course, trainers the courses they edit.

A course's editors are trainers an administrator granted it to (admin page, or
`flask --app app courses editors COURSE-ID --add USERNAME`), or the trainer who first uploaded
it. A course id nobody has yet (no synced course, no editor, no revision) is free: any trainer
may upload it and becomes its editor (`claim`, which `app.studio.revisions.stage` calls).

Interface for the rest of the studio (preview, publish, editor, git pull all ask here):
- `can_edit(session, user, slug) -> bool`: may `user` upload, stage, publish `slug`?
- `may_see(session, user, slug) -> bool`: may `user` see `slug`'s revisions (editors, admins)?
- `edited_slugs(session, user) -> set[str]`: the course ids `user` is an editor of.
- `editors_of(session, slug) -> list[CourseEditor]`, `grant(...)`, `revoke(...)`, `claim(...)`.
Services flush, never commit.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, joinedload

from app import audit
from app.auth.services import normalise_username
from app.content.frontmatter import ID_RE
from app.models import Course, CourseEditor, CourseRevision, User


class EditorError(ValueError):
    """A grant or removal that cannot be done; the message says why and what to do."""


def valid_course_id(slug: str) -> bool:
    """Whether `slug` is written as course ids are (lower-case letters, digits, hyphens)."""
    return bool(ID_RE.match(slug))


def is_editor(session: Session, user: User, slug: str) -> bool:
    """Whether `user` is one of `slug`'s editors (the role is not looked at)."""
    return bool(
        session.scalar(
            select(
                exists().where(CourseEditor.course_slug == slug, CourseEditor.user_id == user.id)
            )
        )
    )


def is_unclaimed(session: Session, slug: str) -> bool:
    """A course id nobody has: no synced course, no editor and no revision carry it."""
    taken = (
        exists().where(Course.slug == slug)
        | exists().where(CourseEditor.course_slug == slug)
        | exists().where(CourseRevision.course_slug == slug)
    )
    return not session.scalar(select(taken))


def can_edit(session: Session, user: object, slug: str) -> bool:
    """Whether `user` may upload, stage and publish the course `slug`.

    Administrators: every course. Trainers: the courses they are editors of, and a new course
    id nobody has (they become its editor when they stage it). Everyone else: none.
    """
    has_role = getattr(user, "has_role", None)
    if has_role is None or not getattr(user, "is_authenticated", False):
        return False
    if has_role("admin"):
        return True
    if not has_role("trainer"):
        return False
    assert isinstance(user, User)
    return is_editor(session, user, slug) or is_unclaimed(session, slug)


def may_see(session: Session, user: object, slug: str) -> bool:
    """Whether `user` may see the revisions of `slug`: its editors (trainers) and admins."""
    has_role = getattr(user, "has_role", None)
    if has_role is None or not getattr(user, "is_authenticated", False):
        return False
    if has_role("admin"):
        return True
    assert isinstance(user, User)
    return has_role("trainer") and is_editor(session, user, slug)


def edited_slugs(session: Session, user: User) -> set[str]:
    """The ids of the courses `user` is an editor of."""
    return set(
        session.scalars(select(CourseEditor.course_slug).where(CourseEditor.user_id == user.id))
    )


def editors_of(session: Session, slug: str) -> list[CourseEditor]:
    """The editors of `slug`, by username, with their users (and granters) loaded."""
    return list(
        session.scalars(
            select(CourseEditor)
            .join(User, User.id == CourseEditor.user_id)
            .where(CourseEditor.course_slug == slug)
            .options(joinedload(CourseEditor.user), joinedload(CourseEditor.granted_by))
            .order_by(User.username)
        ).unique()
    )


def _editor_row(session: Session, slug: str, user: User) -> CourseEditor | None:
    return session.scalar(
        select(CourseEditor).where(
            CourseEditor.course_slug == slug, CourseEditor.user_id == user.id
        )
    )


def grant(session: Session, slug: str, user: User, *, actor: User | None) -> CourseEditor:
    """Make the trainer `user` an editor of `slug` (audit-logged; `actor` None: the command
    line). The course need not exist yet. Raises EditorError for a malformed id, a user who
    is not a trainer, or one who already is an editor."""
    if not valid_course_id(slug):
        raise EditorError(
            _(
                "%(id)s is not a course id: use lower-case letters, digits and hyphens.",
                id=slug,
            )
        )
    if not user.has_role("trainer"):
        raise EditorError(
            _(
                "%(name)s is not a trainer. Give them the trainer role first.",
                name=user.username,
            )
        )
    if _editor_row(session, slug, user) is not None:
        raise EditorError(_("%(name)s already edits %(id)s.", name=user.username, id=slug))
    editor = CourseEditor(course_slug=slug, user=user, granted_by_id=actor.id if actor else None)
    session.add(editor)
    session.flush()
    audit.record(
        session,
        "course_editor_granted",
        actor_id=actor.id if actor else None,
        subject=slug,
        editor=user.username,
    )
    return editor


def revoke(session: Session, slug: str, user: User, *, actor: User | None) -> None:
    """Take `slug` from `user`'s courses (audit-logged). Their revisions stay in the history.
    Raises EditorError when they are not an editor of it."""
    editor = _editor_row(session, slug, user)
    if editor is None:
        raise EditorError(_("%(name)s is not an editor of %(id)s.", name=user.username, id=slug))
    session.delete(editor)
    session.flush()
    audit.record(
        session,
        "course_editor_revoked",
        actor_id=actor.id if actor else None,
        subject=slug,
        editor=user.username,
    )


def claim(session: Session, slug: str, user: User) -> CourseEditor | None:
    """Make a trainer (not an admin, who edits everything anyway) the first editor of a course
    id nobody has, as their first upload of it does. None when there is nothing to claim.
    Audit-logged as a grant without a granter."""
    if user.has_role("admin") or not user.has_role("trainer") or not is_unclaimed(session, slug):
        return None
    editor = CourseEditor(course_slug=slug, user=user, granted_by_id=None)
    session.add(editor)
    session.flush()
    audit.record(
        session,
        "course_editor_granted",
        actor_id=user.id,
        subject=slug,
        editor=user.username,
        first_upload=True,
    )
    return editor


def courses_with_editors(session: Session) -> list[tuple[str, str, list[CourseEditor]]]:
    """Every known course id (synced, with editors or with revisions) with its title ('' if
    not synced) and its editors, by id: three queries whatever the number of courses."""
    titles = dict(session.execute(select(Course.slug, Course.title)).tuples().all())
    by_course: dict[str, list[CourseEditor]] = {}
    for editor in session.scalars(
        select(CourseEditor)
        .join(User, User.id == CourseEditor.user_id)
        .options(joinedload(CourseEditor.user))
        .order_by(User.username)
    ).unique():
        by_course.setdefault(editor.course_slug, []).append(editor)
    slugs = set(titles) | set(by_course)
    slugs |= set(session.scalars(select(CourseRevision.course_slug).distinct()))
    return [(slug, titles.get(slug, ""), by_course.get(slug, [])) for slug in sorted(slugs)]


def trainer_by_username(session: Session, username: str) -> User | None:
    """The user called `username` (written as sign-in accepts it), if there is one."""
    return session.scalar(select(User).where(User.username == normalise_username(username)))
