"""Reading the import CSV files, and checking a units file; shared by the commands and the pages.

Checking never writes: it turns a file into a plan (what would be created, updated or left
alone) or into a list of errors, each with the row number a spreadsheet shows (row 1 is the
header, row 2 the first data row). Users files are checked in app.admin.user_imports; plans
are carried out by app.admin.importing.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Unit

UNIT_COLUMNS = ("code", "name", "parent_code")
CHUNK = 500  # ids or names per IN (...) list: well under every database's parameter limit


@dataclass(frozen=True)
class RowError:
    """A problem in one row of the file (row 1 is the header)."""

    row: int
    message: str


def chunks(items: Iterable[str] | Iterable[int], size: int = CHUNK) -> Iterator[list]:
    """Split `items` into lists of at most `size`, for bounded IN (...) queries."""
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def decode(data: bytes) -> str:
    """The file's text: UTF-8 with or without a BOM, else GB18030 (Chinese Excel's "CSV").

    Raises ValueError with a message for the person when it is neither.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ValueError(
            _("The file is not UTF-8 or GB18030 text. Save it as CSV (UTF-8) and try again.")
        ) from None


def read_rows(
    data: bytes, columns: tuple[str, ...]
) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """Decode and split a CSV file into (row number, {column: trimmed value}) pairs.

    Columns may come in any order; extra columns are ignored; blank rows are skipped (but
    counted, so the numbers match the spreadsheet).
    """
    try:
        text = decode(data)
    except ValueError as error:
        return [], [RowError(1, str(error))]
    records = list(csv.reader(io.StringIO(text, newline="")))
    if not records:
        return [], [RowError(1, _("The file is empty."))]
    header = [name.strip().lower() for name in records[0]]
    missing = [name for name in columns if name not in header]
    if missing:
        return [], [
            RowError(
                1,
                _(
                    "The first row must name the columns %(columns)s; missing: %(missing)s.",
                    columns=",".join(columns),
                    missing=", ".join(missing),
                ),
            )
        ]
    where = {name: header.index(name) for name in columns}
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if not any(value.strip() for value in record):
            continue
        values = {
            name: record[i].strip() if i < len(record) else "" for name, i in where.items()
        }
        rows.append((number, values))
    if not rows:
        return [], [RowError(2, _("The file has a header but no rows."))]
    return rows, []


# --- units -------------------------------------------------------------------------------


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
class UnitRow:
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

    rows: list[UnitRow] = field(default_factory=list)
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
            plan.rows.append(UnitRow(number, code, name, parent_code, "create"))
            continue
        old_parent = code_of.get(old.parent_id) if old.parent_id else None
        moves = old_parent != parent_code
        action = "update" if moves or old.name != name else "unchanged"
        plan.rows.append(UnitRow(number, code, name, parent_code, action, moves))
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
