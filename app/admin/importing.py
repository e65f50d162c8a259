"""Carrying out a checked import plan: a bounded number of bulk statements, never a commit.

Units: new units are inserted in one statement, names and parents updated in one
executemany, and each moved unit's whole subtree gets its new path and depth from one
`UPDATE ... WHERE path LIKE 'old/%'`. Users: new users, their roles and changed users are
written with executemany statements, so a thousand people take well under a second.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import bindparam, delete, func, insert, literal, update
from sqlalchemy.orm import Session

from app import audit
from app.admin.imports import UnitsPlan, chunks
from app.admin.user_imports import UsersPlan
from app.auth import codes
from app.auth.services import new_session_token
from app.models import Unit, User, UserRole
from app.models.types import utcnow

CODES_COLUMNS = ("username", "full_name", "unit_code", "activation_code", "expires_at")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ImportSummary:
    """How many rows an import created, updated and left unchanged."""

    created: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class IssuedCode:
    """An activation code to hand to a new user (only ever held in memory)."""

    username: str
    full_name: str
    unit_code: str
    code: str
    expires_at: datetime


def _forget_cached(session: Session, *models: type) -> None:
    """Bulk statements bypass the ORM: make loaded objects of these models reload."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, models):
            session.expire(obj)


def import_units(
    session: Session, plan: UnitsPlan, *, actor_id: int | None, source: str
) -> ImportSummary:
    """Write a checked units plan (it must have no errors) and audit-log it."""
    assert not plan.errors, "only a plan without errors can be imported"
    table = Unit.__table__
    ids = {code: unit.id for code, unit in plan.existing.items()}
    new_rows = [row for row in plan.rows if row.action == "create"]
    if new_rows:
        # Paths need ids, so new units are inserted first and placed further down.
        inserted = session.execute(
            insert(table).returning(table.c.id, table.c.code, sort_by_parameter_order=True),
            [{"code": r.code, "name": r.name, "path": "", "depth": 0} for r in new_rows],
        )
        ids.update({code: unit_id for unit_id, code in inserted})
    changed = [row for row in plan.rows if row.action != "unchanged"]
    if changed:
        session.connection().execute(
            update(table).where(table.c.id == bindparam("unit_id")),
            [
                {
                    "unit_id": ids[r.code],
                    "name": r.name,
                    "parent_id": ids[r.parent_code] if r.parent_code else None,
                }
                for r in changed
            ],
        )

    final_path = _final_paths(plan.final_parent, ids)
    current = {code: unit.path for code, unit in plan.existing.items()}
    moved = sorted(
        (row.code for row in plan.rows if row.moves), key=lambda code: final_path[code].count("/")
    )
    for code in moved:
        # Parents are placed before children, so every prefix read here is already final.
        old, new = current[code], final_path[code]
        delta = new.count("/") - old.count("/")
        session.connection().execute(
            update(table)
            .where(table.c.path.startswith(old, autoescape=True))
            .values(
                path=literal(new) + func.substr(table.c.path, len(old) + 1),
                depth=table.c.depth + delta,
            )
        )
        for other, path in current.items():
            if path.startswith(old):
                current[other] = new + path[len(old) :]
    if new_rows:
        session.connection().execute(
            update(table).where(table.c.id == bindparam("unit_id")),
            [
                {
                    "unit_id": ids[r.code],
                    "path": final_path[r.code],
                    "depth": final_path[r.code].count("/") - 2,
                }
                for r in new_rows
            ],
        )
    _forget_cached(session, Unit)
    if new_rows or moved:
        # New and moved units inherit (or lose) the assignments of their new ancestors.
        from app.assignments.services import rebuild_unit_courses

        rebuild_unit_courses(session)
    summary = ImportSummary(plan.count("create"), plan.count("update"), plan.count("unchanged"))
    audit.record(
        session,
        "units_imported",
        actor_id=actor_id,
        subject=source,
        created=summary.created,
        updated=summary.updated,
        unchanged=summary.unchanged,
        moved=moved,
    )
    return summary


def _final_paths(final_parent: dict[str, str | None], ids: dict[str, int]) -> dict[str, str]:
    """Every unit's materialised path after the import (the plan has no cycles)."""
    paths: dict[str, str] = {}
    for start in final_parent:
        chain: list[str] = []
        code: str | None = start
        while code is not None and code not in paths:
            chain.append(code)
            code = final_parent.get(code)
        prefix = paths[code] if code is not None else "/"
        for member in reversed(chain):
            prefix = paths[member] = f"{prefix}{ids[member]}/"
    return paths


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

    def give_code(row) -> str:  # noqa: ANN001
        code = codes.new_code()
        issued.append(IssuedCode(row.username, row.full_name, row.unit_code, code, expires_at))
        return codes.hash_code(code, secret)

    created = [row for row in plan.rows if row.action == "create"]
    ids: dict[str, int] = {}
    if created:
        inserted = session.execute(
            insert(User.__table__).returning(
                User.__table__.c.id, User.__table__.c.username, sort_by_parameter_order=True
            ),
            [
                {
                    "username": row.username,
                    "full_name": row.full_name,
                    "email": row.email,
                    "unit_id": row.unit_id,
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
        ids = {username: user_id for user_id, username in inserted}

    updated = [row for row in plan.rows if row.action == "update"]
    if updated:
        session.connection().execute(
            update(User.__table__).where(User.__table__.c.id == bindparam("user_id")),
            [
                {
                    "user_id": plan.existing[row.username].id,
                    "full_name": row.full_name,
                    "email": row.email,
                    "unit_id": row.unit_id,
                }
                for row in updated
            ],
        )
    recoded = [
        row
        for row in plan.rows
        if new_codes and row.action != "create" and not plan.existing[row.username].has_password
    ]
    if recoded:
        session.connection().execute(
            update(User.__table__).where(User.__table__.c.id == bindparam("user_id")),
            [
                {
                    "user_id": plan.existing[row.username].id,
                    "activation_code_hash": give_code(row),
                    "activation_expires_at": expires_at,
                }
                for row in recoded
            ],
        )

    roles_changed = [
        row for row in updated if row.roles != plan.existing[row.username].roles
    ]
    for batch in chunks(plan.existing[row.username].id for row in roles_changed):
        session.execute(delete(UserRole).where(UserRole.user_id.in_(batch)))
    role_rows = [
        {"user_id": ids[row.username], "role": name, "scope_unit_id": scope}
        for row in created
        for name, scope in sorted(row.roles, key=lambda r: r[0])
    ] + [
        {"user_id": plan.existing[row.username].id, "role": name, "scope_unit_id": scope}
        for row in roles_changed
        for name, scope in sorted(row.roles, key=lambda r: r[0])
    ]
    if role_rows:
        session.execute(insert(UserRole.__table__), role_rows)
    _forget_cached(session, User, UserRole)

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


def _cell(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def codes_csv(issued: list[IssuedCode]) -> str:
    """The codes file for HR: UTF-8 with a BOM (so Excel shows Chinese names), one row each."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC"))
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CODES_COLUMNS)
    for item in issued:
        writer.writerow(
            [
                _cell(item.username),
                _cell(item.full_name),
                _cell(item.unit_code),
                item.code,
                item.expires_at.astimezone(zone).isoformat(timespec="minutes"),
            ]
        )
    return out.getvalue()
