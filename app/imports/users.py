"""Importing a users file (`username,full_name,email,unit_code,roles`, and an optional
`category` column, the cadre category of app.credits.categories): check, then apply.

Checking never writes: it gives a plan or row errors, reading the database in a bounded number
of queries (the file's units and existing users in batches of 500 names). Applying writes new
users, changed users and their roles with executemany statements, so a thousand people take
well under a second. Neither step commits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from app import audit
from app.auth import codes
from app.auth.identity_text import name_problem, normalise_username, username_problem
from app.auth.services import new_session_token
from app.credits.categories import category_problem
from app.imports.bulk import ImportSummary, forget_cached
from app.imports.codes_file import IssuedCode
from app.imports.csv_files import RowError, chunks, read_rows
from app.models import ROLES, Unit, User, UserRole
from app.models.types import utcnow

USER_COLUMNS = ("username", "full_name", "email", "unit_code", "roles")
# Read when the header has them; older files without them import as before.
OPTIONAL_USER_COLUMNS = ("category",)
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
    category: str | None
    roles: frozenset[tuple[str, int | None]]  # (role, HR scope unit id)


@dataclass(frozen=True)
class PlannedUser:
    """One checked row of a users file and what it would do."""

    row: int
    username: str
    full_name: str
    email: str | None
    unit_code: str
    unit_id: int
    roles: frozenset[tuple[str, int | None]]  # the roles the user ends up with
    category: str | None  # the category the user ends up with
    action: str  # create | update | unchanged


@dataclass
class UsersPlan:
    """What importing a users file would do, or why it cannot."""

    rows: list[PlannedUser] = field(default_factory=list)
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

    An empty roles cell means learner for a new user and "keep the roles" for an existing one;
    an empty or missing category likewise keeps an existing user's category.
    """
    plan = UsersPlan()
    records, plan.errors = read_rows(data, USER_COLUMNS, OPTIONAL_USER_COLUMNS)
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
        category = values.get("category", "")
        problems = []
        name_issue = username_problem(username)
        if name_issue:
            problems.append(name_issue)
        elif username in first_row:
            problems.append(
                _(
                    "The username %(name)s is already in row %(row)d.",
                    name=username,
                    row=first_row[username],
                )
            )
        full_name_issue = name_problem(full_name)
        if full_name_issue:
            problems.append(full_name_issue)
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
        if category and (issue := category_problem(current_app.config, category)):
            problems.append(issue)
        if username and username not in first_row:
            first_row[username] = number
        if problems:
            plan.errors += [RowError(number, p) for p in problems]
            continue
        plan.rows.append(
            _user_row(number, username, full_name, email or None, unit_code, units[unit_code],
                      role_names, category or None, plan.existing.get(username))
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
    category: str | None,
    old: ExistingUser | None,
) -> PlannedUser:
    """A valid row with the roles the user will hold and whether anything changes."""
    if not role_names:
        role_names = {name for name, _scope in old.roles} if old else {"learner"}
    # HR is always scoped to the user's own unit, so moving an HR officer moves their scope.
    roles = frozenset((name, unit_id if name == "hr" else None) for name in role_names)
    if old is None:
        action = "create"
    else:
        category = category or old.category
        same = (old.full_name, old.email, old.unit_id, old.roles, old.category) == (
            full_name,
            email,
            unit_id,
            roles,
            category,
        )
        action = "unchanged" if same else "update"
    return PlannedUser(
        number, username, full_name, email, unit_code, unit_id, roles, category, action
    )


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
                User.category,
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


def import_users(
    session: Session,
    plan: UsersPlan,
    *,
    new_codes: bool = False,
    actor_id: int | None,
    source: str,
) -> tuple[ImportSummary, list[IssuedCode]]:
    """Write a checked users plan; new users (and, with `new_codes`, existing users who have
    not activated yet) get activation codes, returned here and never stored in clear.

    Existing passwords are never touched.
    """
    assert not plan.errors, "only a plan without errors can be imported"
    now = utcnow()
    expires_at = now + codes.code_lifetime()
    secret = current_app.config["SECRET_KEY"]
    issued: list[IssuedCode] = []

    def give_code(row: PlannedUser) -> str:
        code = codes.new_code()
        issued.append(IssuedCode(row.username, row.full_name, row.unit_code, code, expires_at))
        return codes.hash_code(code, secret)

    created = [row for row in plan.rows if row.action == "create"]
    updated = [row for row in plan.rows if row.action == "update"]
    recoded = [
        row
        for row in plan.rows
        if new_codes and row.action != "create" and not plan.existing[row.username].has_password
    ]
    roles_changed = [row for row in updated if row.roles != plan.existing[row.username].roles]
    ids = _insert_users(session, created, give_code, now, expires_at)
    _update_users(session, plan, updated, recoded, give_code, expires_at)
    _replace_roles(session, plan, created, roles_changed, ids)
    forget_cached(session, User, UserRole)

    summary = ImportSummary(len(created), len(updated), plan.count("unchanged"))
    audit.record(
        session,
        "users_imported",
        actor_id=actor_id,
        subject=source,
        created=[row.username for row in created],
        updated=[row.username for row in updated],
        unchanged=summary.unchanged,
        new_codes=[row.username for row in recoded],
        roles_changed=[
            {
                "username": row.username,
                "before": sorted(name for name, _s in plan.existing[row.username].roles),
                "after": sorted(name for name, _s in row.roles),
            }
            for row in roles_changed
        ],
    )
    return summary, issued


def _insert_users(
    session: Session,
    created: list[PlannedUser],
    give_code: Callable[[PlannedUser], str],
    now: datetime,
    expires_at: datetime,
) -> dict[str, int]:
    """Insert the new users in one executemany; their ids by username."""
    if not created:
        return {}
    table = User.__table__
    inserted = session.execute(
        insert(table).returning(table.c.id, table.c.username, sort_by_parameter_order=True),
        [
            {
                "username": row.username,
                "full_name": row.full_name,
                "email": row.email,
                "unit_id": row.unit_id,
                "category": row.category,
                "session_token": new_session_token(),
                "is_active": True,
                "must_change_password": False,
                "created_at": now,
                "activation_code_hash": give_code(row),
                "activation_expires_at": expires_at,
            }
            for row in created
        ],
    )
    return {username: user_id for user_id, username in inserted}


def _update_users(
    session: Session,
    plan: UsersPlan,
    updated: list[PlannedUser],
    recoded: list[PlannedUser],
    give_code: Callable[[PlannedUser], str],
    expires_at: datetime,
) -> None:
    """Write changed names, emails and units, and new codes for those who asked for them."""
    table = User.__table__
    by_id = update(table).where(table.c.id == bindparam("user_id"))
    if updated:
        session.connection().execute(
            by_id,
            [
                {
                    "user_id": plan.existing[row.username].id,
                    "full_name": row.full_name,
                    "email": row.email,
                    "unit_id": row.unit_id,
                    "category": row.category,
                }
                for row in updated
            ],
        )
    if recoded:
        session.connection().execute(
            by_id,
            [
                {
                    "user_id": plan.existing[row.username].id,
                    "activation_code_hash": give_code(row),
                    "activation_expires_at": expires_at,
                }
                for row in recoded
            ],
        )


def _replace_roles(
    session: Session,
    plan: UsersPlan,
    created: list[PlannedUser],
    roles_changed: list[PlannedUser],
    ids: dict[str, int],
) -> None:
    """Give new users their roles, and replace the roles of users whose roles changed."""
    for batch in chunks(plan.existing[row.username].id for row in roles_changed):
        session.execute(delete(UserRole).where(UserRole.user_id.in_(batch)))
    owners = [(ids[row.username], row) for row in created] + [
        (plan.existing[row.username].id, row) for row in roles_changed
    ]
    role_rows = [
        {"user_id": user_id, "role": name, "scope_unit_id": scope}
        for user_id, row in owners
        for name, scope in sorted(row.roles, key=lambda r: r[0])
    ]
    if role_rows:
        session.execute(insert(UserRole.__table__), role_rows)
