"""The unit tree: materialised paths (`/1/5/23/`), the subtree filter, units found by code."""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, and_, func, select
from sqlalchemy.orm import Session

from app.models import Unit


def in_subtree(
    path_column: ColumnElement[str], prefix: str | ColumnElement[str]
) -> ColumnElement[bool]:
    """A condition: `path_column` is the unit path `prefix` or a path below it.

    Written as the range `prefix <= path < upper`, not as `path LIKE prefix || '%'`, because
    only the range is an index search on both databases: SQLite's LIKE ignores case and its
    index does not, and PostgreSQL narrows a LIKE only under the "C" collation. `upper` is
    `prefix` with its last character incremented, the smallest string above everything that
    starts with `prefix`: for `/1/5/` it is `/1/50`, which leaves `/1/50/` outside because
    '/' sorts just below '0'. That is byte order: SQLite's default, and on PostgreSQL the "C"
    collation of `units.path` (a linguistic collation may skip the slashes altogether).

    `prefix` is a loaded unit's path or a column (another alias of `Unit.path` in a join). For
    a column the bound is computed in SQL as the path without its final '/', then '0': that
    needs only `substr`, `length` and `||`, which both databases have, and holds because every
    unit path ends in '/'. (Incrementing any last character would need `char(unicode(...))`
    on SQLite and `chr(ascii(...))` on PostgreSQL.)
    """
    if isinstance(prefix, str):
        upper: str | ColumnElement[str] = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    else:
        upper = func.substr(prefix, 1, func.length(prefix) - 1, type_=String) + "0"
    return and_(path_column >= prefix, path_column < upper)


def unit_by_code(session: Session, code: str) -> Unit | None:
    """The unit with this code, if any."""
    return session.scalar(select(Unit).where(Unit.code == code))
