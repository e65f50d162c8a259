"""Checking a users CSV (`username,full_name,email,unit_code,roles`) before it is imported.

Like the units check in app.admin.imports, it never writes: it gives a plan or row errors.
The database is read in a bounded number of queries: the file's units and existing users in
batches of 500 names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.admin.imports import RowError, chunks, read_rows
from app.auth.services import normalise_username
from app.models import ROLES, Unit, User, UserRole

USER_COLUMNS = ("username", "full_name", "email", "unit_code", "roles")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ROLE_SEPARATORS = re.compile(r"[;；]")


@dataclass(frozen=True)
class ExistingUser:
    """A user already in the database, as the import needs them."""

    id: int
    username: str
    full_name: str
    email: str | None
    unit_id: int | None
    has_password: bool
    roles: frozenset[tuple[str, int | None]]  # (role, HR scope unit id)


@dataclass(frozen=True)
class UserRow:
    """One checked row of a users file and what it would do."""

    row: int
    username: str
    full_name: str
    email: str | None
    unit_code: str
    unit_id: int
    roles: frozenset[tuple[str, int | None]]  # the roles the user ends up with
    action: str  # create | update | unchanged


@dataclass
class UsersPlan:
    """What importing a users file would do, or why it cannot."""

    rows: list[UserRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    existing: dict[str, ExistingUser] = field(default_factory=dict)

    def count(self, action: str) -> int:
        """How many rows would be created, updated or left unchanged."""
        return sum(1 for row in self.rows if row.action == action)


def _role_names(text: str) -> tuple[set[str], list[str]]:
    """The roles named in a cell (`learner;hr`), and the unknown ones."""
    names = {part.strip().lower() for part in ROLE_SEPARATORS.split(text) if part.strip()}
    return names, sorted(names - set(ROLES))


def plan_users(session: Session, data: bytes) -> UsersPlan:
    """Check a users file (`username,full_name,email,unit_code,roles`); write nothing.

    An empty roles cell means learner for a new user and "keep the roles" for an existing one.
    """
    plan = UsersPlan()
    records, plan.errors = read_rows(data, USER_COLUMNS)
    if plan.errors:
        return plan
    usernames = {normalise_username(values["username"]) for _n, values in records}
    unit_codes = {values["unit_code"] for _n, values in records if values["unit_code"]}
    units: dict[str, int] = {}
    for batch in chunks(sorted(unit_codes)):
        units.update(session.execute(select(Unit.code, Unit.id).where(Unit.code.in_(batch))).all())
    plan.existing = _existing_users(session, usernames - {""})

    first_row: dict[str, int] = {}
    for number, values in records:
        username = normalise_username(values["username"])
        full_name, email, unit_code = values["full_name"], values["email"], values["unit_code"]
        role_names, unknown_roles = _role_names(values["roles"])
        problems = []
        if not username:
            problems.append(_("The username is empty."))
        elif len(username) > 64:
            problems.append(_("The username is longer than %(n)d characters.", n=64))
        elif any(ch.isspace() for ch in username):
            problems.append(_("The username %(name)s contains a space.", name=username))
        elif username in first_row:
            problems.append(
                _(
                    "The username %(name)s is already in row %(row)d.",
                    name=username,
                    row=first_row[username],
                )
            )
        if not full_name:
            problems.append(_("The full name is empty."))
        elif len(full_name) > 200:
            problems.append(_("The full name is longer than %(n)d characters.", n=200))
        if email and (len(email) > 254 or not EMAIL_RE.match(email)):
            problems.append(_("%(email)s is not an email address.", email=email))
        if not unit_code:
            problems.append(_("The unit code is empty."))
        elif unit_code not in units:
            problems.append(_("No unit has the code %(code)s.", code=unit_code))
        if unknown_roles:
            problems.append(
                _(
                    "Unknown role %(roles)s: use %(known)s, separated by ;.",
                    roles=", ".join(unknown_roles),
                    known=", ".join(ROLES),
                )
            )
        if username and username not in first_row:
            first_row[username] = number
        if problems:
            plan.errors += [RowError(number, p) for p in problems]
            continue
        plan.rows.append(
            _user_row(number, username, full_name, email or None, unit_code, units[unit_code],
                      role_names, plan.existing.get(username))
        )
    return plan


def _user_row(
    number: int,
    username: str,
    full_name: str,
    email: str | None,
    unit_code: str,
    unit_id: int,
    role_names: set[str],
    old: ExistingUser | None,
) -> UserRow:
    """A valid row with the roles the user will hold and whether anything changes."""
    if not role_names:
        role_names = {name for name, _scope in old.roles} if old else {"learner"}
    # HR is always scoped to the user's own unit, so moving an HR officer moves their scope.
    roles = frozenset((name, unit_id if name == "hr" else None) for name in role_names)
    if old is None:
        action = "create"
    else:
        same = (old.full_name, old.email, old.unit_id, old.roles) == (
            full_name,
            email,
            unit_id,
            roles,
        )
        action = "unchanged" if same else "update"
    return UserRow(number, username, full_name, email, unit_code, unit_id, roles, action)


def _existing_users(session: Session, usernames: set[str]) -> dict[str, ExistingUser]:
    """The users of the file that already exist, with their roles: two queries per 500 names."""
    rows = []
    for batch in chunks(sorted(usernames)):
        rows += session.execute(
            select(
                User.id,
                User.username,
                User.full_name,
                User.email,
                User.unit_id,
                User.password_hash.is_not(None),
            ).where(User.username.in_(batch))
        ).all()
    roles: dict[int, set[tuple[str, int | None]]] = {row[0]: set() for row in rows}
    for batch in chunks(sorted(roles)):
        for user_id, role, scope in session.execute(
            select(UserRole.user_id, UserRole.role, UserRole.scope_unit_id).where(
                UserRole.user_id.in_(batch)
            )
        ):
            roles[user_id].add((role, scope))
    return {
        row[1]: ExistingUser(*row, roles=frozenset(roles[row[0]]))  # type: ignore[misc]
        for row in rows
    }
