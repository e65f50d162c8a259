"""Writing generated rows fast: ids chosen above the current maximum, bulk INSERTs in batches.

No ORM object per row, so a hundred thousand learners take seconds to minutes. PostgreSQL's
id sequences are moved past the ids written explicitly; SQLite needs nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from app.models import Course, Lesson, Module, Unit, User

ROWS_PER_STATEMENT = 20_000  # rows handed to one executemany call


@dataclass(frozen=True)
class FreeIds:
    """The first free id of each table the generator writes with explicit ids."""

    unit: int
    user: int
    course: int
    module: int
    lesson: int


def _batches(rows: Sequence[dict[str, Any]], size: int = ROWS_PER_STATEMENT) -> Iterator[Any]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def insert_rows(session: Session, model: type, rows: Sequence[dict[str, Any]]) -> int:
    """Insert plain rows into `model`'s table, a batch per executemany; returns the count."""
    for batch in _batches(rows):
        session.execute(insert(model.__table__), batch)  # type: ignore[attr-defined]
    return len(rows)


def free_prefix(session: Session) -> str:
    """`GEN`, or `GEN2`, `GEN3`... : the first prefix no earlier run has used."""
    number = 1
    while True:
        prefix = "GEN" if number == 1 else f"GEN{number}"
        low = prefix.lower()
        taken = (
            session.scalar(select(Unit.id).where(Unit.code == f"{prefix}-000000"))
            or session.scalar(select(Course.id).where(Course.slug == f"{low}-course-01"))
            or session.scalar(select(User.id).where(User.username == f"{low}-0000001"))
        )
        if not taken:
            return prefix
        number += 1


def first_free_ids(session: Session) -> FreeIds:
    def after(model: type) -> int:
        return (session.scalar(select(func.max(model.id))) or 0) + 1  # type: ignore[attr-defined]

    return FreeIds(after(Unit), after(User), after(Course), after(Module), after(Lesson))


def advance_sequences(session: Session, models: Sequence[type]) -> None:
    """PostgreSQL: move each id sequence past the ids inserted explicitly.

    SQLite picks max(id) + 1 by itself; PostgreSQL's sequences would hand out taken ids.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        name = model.__tablename__  # type: ignore[attr-defined]
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'),"  # noqa: S608
                f" (SELECT max(id) FROM {name}))"
            )
        )
