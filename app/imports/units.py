"""Importing a units file (`code,name,parent_code`): check it into a plan, then apply the plan.

Checking never writes: it turns a file into a plan (what would be created, updated or left
alone) or into a list of errors with their row numbers. Applying a plan without errors takes
a bounded number of bulk statements: new units are inserted in one statement, names and
parents updated in one executemany, and each moved unit's subtree gets its new path and depth
from one UPDATE over the subtree's path range. Neither step commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, insert, literal, select, update
from sqlalchemy.orm import Session

from app import audit
from app.imports.bulk import ImportSummary, forget_cached
from app.imports.csv_files import RowError, read_rows
from app.models import Unit
from app.organisation.tree import in_subtree
from app.organisation.unit_courses import rebuild_unit_courses

UNIT_COLUMNS = ("code", "name", "parent_code")


@dataclass(frozen=True)
class ExistingUnit:
    """A unit already in the database, as the import needs it."""

    id: int
    code: str
    name: str
    parent_id: int | None
    path: str
    depth: int


@dataclass(frozen=True)
class PlannedUnit:
    """One checked row of a units file and what it would do."""

    row: int
    code: str
    name: str
    parent_code: str | None
    action: str  # create | update | unchanged
    moves: bool = False


@dataclass
class UnitsPlan:
    """What importing a units file would do, or why it cannot."""

    rows: list[PlannedUnit] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    existing: dict[str, ExistingUnit] = field(default_factory=dict)
    # Every unit's parent code after the import (existing units and the file's).
    final_parent: dict[str, str | None] = field(default_factory=dict)

    def count(self, action: str) -> int:
        """How many rows would be created, updated or left unchanged."""
        return sum(1 for row in self.rows if row.action == action)


def plan_units(session: Session, data: bytes) -> UnitsPlan:
    """Check a units file (`code,name,parent_code`) against the database; write nothing."""
    plan = UnitsPlan()
    records, plan.errors = read_rows(data, UNIT_COLUMNS)
    if plan.errors:
        return plan
    plan.existing = {
        row.code: ExistingUnit(*row)
        for row in session.execute(
            select(Unit.id, Unit.code, Unit.name, Unit.parent_id, Unit.path, Unit.depth)
        )
    }
    code_of = {unit.id: unit.code for unit in plan.existing.values()}
    plan.final_parent = {
        unit.code: code_of.get(unit.parent_id) if unit.parent_id else None
        for unit in plan.existing.values()
    }
    first_row: dict[str, int] = {}
    candidates: list[tuple[int, str, str, str | None]] = []
    for number, values in records:
        code, name, parent_code = values["code"], values["name"], values["parent_code"] or None
        problems = []
        if not code:
            problems.append(_("The code is empty."))
        elif len(code) > 64:
            problems.append(_("The code is longer than %(n)d characters.", n=64))
        if not name:
            problems.append(_("The name is empty."))
        elif len(name) > 200:
            problems.append(_("The name is longer than %(n)d characters.", n=200))
        if code and code in first_row:
            problems.append(
                _("The code %(code)s is already in row %(row)d.", code=code, row=first_row[code])
            )
        if code and parent_code == code:
            problems.append(_("The unit %(code)s cannot be its own parent.", code=code))
        plan.errors += [RowError(number, p) for p in problems]
        if code and code not in first_row:
            first_row[code] = number
            if not problems:
                candidates.append((number, code, name, parent_code))
    in_file = {code for _n, code, _name, _p in candidates}
    for number, _code, _name, parent_code in candidates:
        if parent_code and parent_code not in in_file and parent_code not in plan.existing:
            message = _(
                "The parent unit %(parent)s is not in the file or the database.",
                parent=parent_code,
            )
            plan.errors.append(RowError(number, message))
    plan.final_parent.update({code: parent for _n, code, _name, parent in candidates})
    plan.errors += _cycles(plan.final_parent, {code: n for n, code, _name, _p in candidates})
    if plan.errors:
        plan.errors.sort(key=lambda e: e.row)
        return plan
    for number, code, name, parent_code in candidates:
        old = plan.existing.get(code)
        if old is None:
            plan.rows.append(PlannedUnit(number, code, name, parent_code, "create"))
            continue
        old_parent = code_of.get(old.parent_id) if old.parent_id else None
        moves = old_parent != parent_code
        action = "update" if moves or old.name != name else "unchanged"
        plan.rows.append(PlannedUnit(number, code, name, parent_code, action, moves))
    return plan


def _cycles(final_parent: dict[str, str | None], row_of: dict[str, int]) -> list[RowError]:
    """Rows whose unit would end up inside itself, following parents through DB and file."""
    reaches_root: dict[str, bool] = {}
    errors = []
    for start in row_of:
        chain: list[str] = []
        position: dict[str, int] = {}
        code: str | None = start
        while code is not None and code not in reaches_root:
            if code in position:
                loop = chain[position[code] :]
                shown = " → ".join([*loop, loop[0]])
                for member in loop:
                    if member in row_of:
                        message = _(
                            "The unit %(code)s would be inside itself: %(cycle)s.",
                            code=member,
                            cycle=shown,
                        )
                        errors.append(RowError(row_of[member], message))
                break
            position[code] = len(chain)
            chain.append(code)
            code = final_parent.get(code)
        ok = code is None or reaches_root.get(code, False)
        for member in chain:
            reaches_root[member] = ok
    return sorted(errors, key=lambda e: e.row)


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
            .where(in_subtree(table.c.path, old))
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
    forget_cached(session, Unit)
    if new_rows or moved:
        # New and moved units inherit (or lose) the assignments of their new ancestors.
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
