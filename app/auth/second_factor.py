"""Account operations on the second factor: who must have one, enrolling, checking a code at
sign-in (throttled like passwords, audit-logged), new recovery codes, turning it off, and an
administrator's reset.

Services take the session first and never commit. Wrong codes count in the sign-in throttle
under the account's username, together with wrong passwords, so knowing the password does not
buy unlimited guesses at the code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app import audit
from app.auth import throttle, totp
from app.auth.passwords import verify_password
from app.auth.services import (
    AccountError,
    complete_sign_in,
    end_all_sessions,
    has_second_factor,
)
from app.models import User
from app.models.types import utcnow
from config import parse_roles


class WrongCodeError(AccountError):
    """The code (or password) given to confirm a change was not right."""


class ThrottledError(AccountError):
    """Too many wrong tries lately: the change is refused without checking anything."""

    def __init__(self, retry_after: timedelta) -> None:
        super().__init__(throttle.refusal_message(retry_after))
        self.retry_after = retry_after


def required_roles(config: Mapping[str, Any]) -> frozenset[str]:
    """The roles that must use a second factor (setting MFA_REQUIRED_ROLES)."""
    value: str | Iterable[str] = config.get("MFA_REQUIRED_ROLES", ())
    return frozenset(parse_roles(value) if isinstance(value, str) else value)


def is_required(user: User, config: Mapping[str, Any]) -> bool:
    """Whether one of the user's roles must sign in with a second factor."""
    return bool(user.role_names & required_roles(config))


def is_enrolled(session: Session, user: User) -> bool:
    """Whether the user has a confirmed authenticator (and so signs in in two steps)."""
    return has_second_factor(session, user)


@dataclass(frozen=True)
class Status:
    """What the security page shows about the user's second factor."""

    enrolled: bool
    pending_secret: str | None
    recovery_codes_left: int


def status(session: Session, user: User) -> Status:
    """The user's second factor: on, being set up (with its secret), or off."""
    credential = totp.credential_of(session, user)
    if credential is not None and credential.confirmed_at is not None:
        return Status(True, None, totp.recovery_codes_left(session, user))
    secret = totp.open_secret(credential) if credential is not None else None
    return Status(False, secret, 0)


def start_enrolment(session: Session, user: User) -> None:
    """Give the user a fresh secret to put in an authenticator app (not in force until
    confirmed with a code). Refused while a confirmed one is in force."""
    if is_enrolled(session, user):
        raise AccountError(_("Two-factor authentication is already on for your account."))
    totp.new_credential(session, user)


def confirm_enrolment(session: Session, user: User, code: str) -> list[str]:
    """Turn the second factor on with a first code from the app; return ten recovery codes
    (shown once, only their hashes are kept)."""
    credential = totp.credential_of(session, user)
    if credential is None or credential.confirmed_at is not None:
        raise AccountError(
            _("Start the set-up again: no authenticator is waiting to be confirmed.")
        )
    if not totp.use_totp(session, credential, code):
        raise WrongCodeError(
            _("That code is not right. Check the clock of your phone and type the code shown now.")
        )
    credential.confirmed_at = utcnow()
    codes = totp.replace_recovery_codes(session, user)
    audit.record(session, "mfa_enabled", actor_id=user.id, subject=user.username)
    return codes


def check_code(session: Session, user: User, code: str) -> str | None:
    """Use up a code: 'totp' for an authenticator code, 'recovery_code' for a recovery code,
    None when it is neither (or was used before)."""
    credential = totp.credential_of(session, user)
    if credential is None or credential.confirmed_at is None:
        return None
    if totp.looks_like_totp(code):
        return "totp" if totp.use_totp(session, credential, code) else None
    return "recovery_code" if totp.use_recovery_code(session, user, code) else None


@dataclass(frozen=True)
class SignInCheck:
    """The outcome of the second sign-in step: how the user proved it, or why not."""

    method: str | None = None
    retry_after: timedelta | None = None
    recovery_codes_left: int = 0


def verify_sign_in(
    session: Session, user: User, code: str, address: str, limits: throttle.ThrottleLimits
) -> SignInCheck:
    """Check the second factor of a user whose password was right; on success the sign-in
    is complete (counted, logged), and the caller starts the session."""
    wait = throttle.retry_after(session, user.username, address, limits)
    if wait is not None:
        audit.record(session, "mfa_throttled", actor_id=user.id, subject=user.username)
        return SignInCheck(retry_after=wait)
    method = check_code(session, user, code)
    if method is None:
        throttle.note_attempt(session, user.username, address, succeeded=False)
        audit.record(session, "mfa_failed", actor_id=user.id, subject=user.username)
        return SignInCheck()
    left = totp.recovery_codes_left(session, user)
    if method == "recovery_code":
        audit.record(
            session, "recovery_code_used", actor_id=user.id, subject=user.username, left=left
        )
    complete_sign_in(session, user, address, second_factor=method)
    return SignInCheck(method=method, recovery_codes_left=left)


def _check_for_change(
    session: Session, user: User, accepted: bool, address: str, action: str
) -> None:
    """Count and log a wrong confirmation like a wrong sign-in; raise when it was wrong."""
    if not accepted:
        throttle.note_attempt(session, user.username, address, succeeded=False)
        audit.record(session, "mfa_failed", actor_id=user.id, subject=user.username, during=action)
        if action == "turn_off":
            raise WrongCodeError(
                _("That is not right. Type your password, or the code your app shows now.")
            )
        raise WrongCodeError(_("That code is not right. Type the code your app shows now."))


def _refuse_if_throttled(
    session: Session, user: User, address: str, limits: throttle.ThrottleLimits
) -> None:
    wait = throttle.retry_after(session, user.username, address, limits)
    if wait is not None:
        audit.record(session, "mfa_throttled", actor_id=user.id, subject=user.username)
        raise ThrottledError(wait)


def regenerate_recovery_codes(
    session: Session, user: User, code: str, address: str, limits: throttle.ThrottleLimits
) -> list[str]:
    """Replace the user's recovery codes after a code from the app (or a recovery code)."""
    _refuse_if_throttled(session, user, address, limits)
    accepted = check_code(session, user, code) is not None
    _check_for_change(session, user, accepted, address, "recovery_codes")
    codes = totp.replace_recovery_codes(session, user)
    audit.record(session, "recovery_codes_replaced", actor_id=user.id, subject=user.username)
    return codes


def turn_off(
    session: Session,
    user: User,
    password_or_code: str,
    address: str,
    limits: throttle.ThrottleLimits,
    config: Mapping[str, Any],
) -> None:
    """Remove the user's own second factor after their password or a code from the app;
    refused when one of their roles requires it."""
    if is_required(user, config):
        raise AccountError(
            _("Your role requires two-factor authentication, so it cannot be turned off.")
        )
    _refuse_if_throttled(session, user, address, limits)
    if totp.looks_like_totp(password_or_code):
        accepted = check_code(session, user, password_or_code) == "totp"
    else:
        accepted = verify_password(user.password_hash, password_or_code)
    _check_for_change(session, user, accepted, address, "turn_off")
    totp.remove_all(session, user)
    audit.record(session, "mfa_disabled", actor_id=user.id, subject=user.username)


def reset(session: Session, user: User, *, actor_id: int | None) -> bool:
    """An administrator's reset: remove the user's authenticator and recovery codes and end
    all their sessions; they enrol again when their role requires it. Returns whether there
    was anything to remove (the reset is done and logged either way)."""
    removed = totp.remove_all(session, user)
    end_all_sessions(user)
    audit.record(session, "mfa_reset", actor_id=actor_id, subject=user.username, had_totp=removed)
    return removed
