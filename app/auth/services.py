"""Account operations: sign-in checks, password changes, ending sessions, creating users.

Services take the session first and never commit; the view or command commits once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from app import audit
from app.auth import login_sessions, throttle
from app.auth.identity_text import name_problem, normalise_username, username_problem
from app.auth.passwords import hash_password, needs_rehash, password_problems, verify_password
from app.models import ROLES, TotpCredential, Unit, User, UserRole
from app.models.types import utcnow


class AccountError(ValueError):
    """A request about an account that cannot be carried out, with a message for the person."""


class WrongPasswordError(AccountError):
    """The current password given to confirm a change was not right."""


class ThrottledError(AccountError):
    """Too many wrong passwords for this account lately: the current one was not checked."""

    def __init__(self, retry_after: timedelta) -> None:
        super().__init__(throttle.refusal_message(retry_after))
        self.retry_after = retry_after


def new_session_token() -> str:
    """A fresh random token; putting a new one on a user ends all their sessions."""
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class SignInResult:
    """The outcome of a sign-in try: a user, or why not."""

    user: User | None = None
    retry_after: timedelta | None = None
    disabled: bool = False
    # The password was right but the user has a second factor: not signed in yet.
    second_factor_pending: bool = False


def sign_in(
    session: Session,
    username: str,
    password: str,
    address: str,
    limits: throttle.ThrottleLimits,
) -> SignInResult:
    """Check a username and password, applying the throttle and writing the audit log."""
    username = normalise_username(username)[:64]
    wait = throttle.retry_after(session, username, address, limits)
    if wait is not None:
        audit.record(session, "login_throttled", subject=username)
        return SignInResult(retry_after=wait)

    user = session.scalar(select(User).where(User.username == username))
    ok = verify_password(user.password_hash if user else None, password)
    if ok and user is not None and not user.is_active:
        throttle.note_attempt(session, username, address, succeeded=False)
        audit.record(session, "login_failed", actor_id=user.id, subject=username, reason="disabled")
        return SignInResult(disabled=True)
    if not ok or user is None:
        throttle.note_attempt(session, username, address, succeeded=False)
        audit.record(session, "login_failed", subject=username)
        return SignInResult()

    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if has_second_factor(session, user):
        # Not a success for the throttle yet: that would clear the failures that wrong codes
        # add up to, giving whoever knows the password fresh guesses at the code each time.
        audit.record(session, "login_password_ok", actor_id=user.id, subject=username)
        return SignInResult(user=user, second_factor_pending=True)
    complete_sign_in(session, user, address)
    return SignInResult(user=user)


def has_second_factor(session: Session, user: User) -> bool:
    """Whether the user has a confirmed authenticator, and so signs in in two steps."""
    return (
        session.scalar(
            select(TotpCredential.id).where(
                TotpCredential.user_id == user.id, TotpCredential.confirmed_at.is_not(None)
            )
        )
        is not None
    )


def complete_sign_in(
    session: Session, user: User, address: str, *, second_factor: str | None = None
) -> None:
    """Count a whole sign-in as a success (clearing the account's failures) and log it."""
    throttle.note_attempt(session, user.username, address, succeeded=True)
    user.last_login_at = utcnow()
    details = {"second_factor": second_factor} if second_factor else {}
    audit.record(session, "login", actor_id=user.id, subject=user.username, **details)


def end_all_sessions(user: User) -> None:
    """Invalidate every login cookie of this user, on every device."""
    user.session_token = new_session_token()
    session = object_session(user)
    if session is not None and user.id is not None:
        login_sessions.end_all(session, user)


def sign_out(session: Session, user: User) -> None:
    """Sign a user out everywhere and log it."""
    end_all_sessions(user)
    audit.record(session, "logout", actor_id=user.id, subject=user.username)


def change_password(
    session: Session,
    user: User,
    current: str,
    new: str,
    *,
    address: str,
    limits: throttle.ThrottleLimits,
) -> None:
    """Replace a user's password after checking the current one; ends their other sessions.

    The current password is checked like a sign-in (same throttle, same counts, audit-logged),
    or a stolen session would let anyone guess it without limit. Raises ThrottledError without
    checking it when the account is over the limit, WrongPasswordError when it is wrong: the
    caller commits in both cases so that the count and the audit event are kept.
    """
    wait = throttle.retry_after(session, user.username, address, limits)
    if wait is not None:
        audit.record(session, "password_check_throttled", actor_id=user.id, subject=user.username)
        raise ThrottledError(wait)
    if not verify_password(user.password_hash, current):
        throttle.note_attempt(session, user.username, address, succeeded=False)
        audit.record(session, "password_check_failed", actor_id=user.id, subject=user.username)
        raise WrongPasswordError(_("Your current password is not right."))
    throttle.note_attempt(session, user.username, address, succeeded=True)
    set_password(session, user, new, actor_id=user.id)


def set_password(session: Session, user: User, new: str, *, actor_id: int | None) -> None:
    """Set a new password that meets the policy; raises AccountError listing what is wrong."""
    problems = password_problems(new, user.username, user.full_name)
    if problems:
        raise AccountError(" ".join(problems))
    user.password_hash = hash_password(new)
    user.must_change_password = False
    end_all_sessions(user)
    audit.record(session, "password_changed", actor_id=actor_id, subject=user.username)


def set_active(session: Session, user: User, active: bool, *, actor_id: int | None) -> None:
    """Enable or disable an account; disabling ends its sessions at once."""
    user.is_active = active
    if not active:
        end_all_sessions(user)
    audit.record(
        session,
        "user_activated" if active else "user_deactivated",
        actor_id=actor_id,
        subject=user.username,
    )


def set_roles(
    session: Session,
    user: User,
    roles: set[str],
    *,
    hr_scope: Unit | None = None,
    actor_id: int | None,
) -> None:
    """Replace a user's roles; HR is scoped to `hr_scope`, or to the user's own unit."""
    unknown = roles - set(ROLES)
    if unknown:
        raise AccountError(_("Unknown role: %(roles)s.", roles=", ".join(sorted(unknown))))
    scope = hr_scope or user.unit
    if "hr" in roles and scope is None:
        raise AccountError(_("An HR officer needs a unit: give the user a unit first."))
    before = sorted(user.role_names)
    kept = [r for r in user.roles if r.role in roles]
    for r in kept:
        r.scope_unit_id = scope.id if r.role == "hr" and scope else None
    have = {r.role for r in kept}
    user.roles = kept + [
        UserRole(role=name, scope_unit_id=scope.id if name == "hr" and scope else None)
        for name in sorted(roles - have)
    ]
    if before != sorted(roles):
        audit.record(
            session,
            "roles_changed",
            actor_id=actor_id,
            subject=user.username,
            before=before,
            after=sorted(roles),
        )


def create_user(
    session: Session,
    username: str,
    *,
    full_name: str,
    password: str | None,
    roles: set[str],
    unit: Unit | None = None,
    email: str | None = None,
    actor_id: int | None = None,
) -> User:
    """Create a user with roles and, if given, a password that meets the policy."""
    username = normalise_username(username)
    full_name = full_name or username
    problem = username_problem(username) or name_problem(full_name)
    if problem:
        raise AccountError(problem)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(_("The username %(name)s is already taken.", name=username))
    user = User(
        username=username,
        full_name=full_name,
        email=email,
        unit=unit,
        session_token=new_session_token(),
        roles=[],
    )
    session.add(user)
    if password is not None:
        problems = password_problems(password, username, full_name)
        if problems:
            raise AccountError(" ".join(problems))
        user.password_hash = hash_password(password)
    session.flush()
    set_roles(session, user, roles or {"learner"}, actor_id=actor_id)
    audit.record(session, "user_created", actor_id=actor_id, subject=username)
    return user
