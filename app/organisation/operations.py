"""Changes to the unit tree one unit at a time, keeping `unit_courses` in step; they flush and
never commit. (Bulk changes go through the units import, app/imports/units.py.)

Kept apart from tree.py because they rebuild `unit_courses`, whose queries use tree.py's subtree
filter: the two modules would otherwise import each other.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import Unit
from app.organisation.unit_courses import rebuild_unit_courses


def create_unit(session: Session, code: str, name: str, parent: Unit | None = None) -> Unit:
    """Add a unit under `parent`; its path is set once the database has given it an id."""
    unit = Unit(code=code, name=name, parent=parent, path="", depth=0)
    session.add(unit)
    session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    unit.depth = parent.depth + 1 if parent else 0
    session.flush()
    if parent is not None:
        rebuild_unit_courses(session, unit)  # inherit the parent's assignments
    return unit
