"""The learner list: one row per active learner and assigned course in a unit's subtree.

The page is cut by keyset, not by offset: each page asks for the rows after (or before) the
last row of the page it came from, in the chosen order, so page 2,000 costs what page 1 costs.
Orders (`SORTS`): by unit (the default), name, status or due date; each ends with the user's
and the course's ids, so no two rows tie and no row is skipped or shown twice between pages.
The position travels in the link as an opaque cursor (the sort keys of that row, as JSON in
URL-safe base64); a cursor that does not decode is a ValueError, which the page answers as 400.
Downloads read every row in the same order, streamed.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, or_, select, tuple_
from sqlalchemy.orm import Session

from app.models import Course, CreditEntry, Enrollment, Unit, UnitCourse, User
from app.reports.queries import ReportFilters, assigned_pairs, in_period

LEARNERS_PER_PAGE = 50
# Due dates sort after every real date when a course has none.
_NO_DUE_DATE = date(9999, 12, 31)


@dataclass(frozen=True)
class LearnerRow:
    """One learner and one assigned course."""

    username: str
    full_name: str
    unit_code: str
    unit_name: str
    course_id: str
    course_title: str
    status: str
    due_date: date | None
    completed_at: datetime | None
    best_score: float | None
    credit_hours: float


def _status() -> ColumnElement[str]:
    return func.coalesce(Enrollment.status, "not_started")


def _sort_keys(sort: str) -> list[ColumnElement[Any]]:
    """The columns a sort orders by, most significant first, ending with the unique ids."""
    leading: dict[str, list[ColumnElement[Any]]] = {
        "unit": [Unit.path, User.username, Course.title],
        "name": [User.full_name, User.username],
        "status": [_status(), User.full_name],
        "due": [func.coalesce(UnitCourse.due_date, literal(_NO_DUE_DATE)), User.full_name],
    }
    return [*leading[sort], User.id, Course.id]


SORTS = ("unit", "name", "status", "due")


def _learner_query(root: Unit, filters: ReportFilters) -> Select:
    status = _status()
    query = select(
        User.username,
        User.full_name,
        Unit.code,
        Unit.name,
        Course.slug,
        Course.title,
        status.label("status"),
        UnitCourse.due_date,
        Enrollment.completed_at,
        Enrollment.best_score,
        func.coalesce(CreditEntry.hours, 0.0),
    )
    query = (
        assigned_pairs(query, root, filters.course)
        .join(Course, Course.id == UnitCourse.course_id)
        .outerjoin(CreditEntry, CreditEntry.enrollment_id == Enrollment.id)
    )
    if filters.status == "overdue":
        query = query.where(UnitCourse.due_date < filters.today, status != "completed")
    elif filters.status in ("completed", "in_progress", "not_started"):
        query = query.where(status == filters.status)
    if filters.date_from or filters.date_to:
        query = query.where(in_period(Enrollment.completed_at, filters))
    if words := " ".join(filters.search.split()):
        needle = words.lower()
        query = query.where(
            or_(
                func.lower(User.username).contains(needle, autoescape=True),
                func.lower(User.full_name).contains(needle, autoescape=True),
            )
        )
    return query


def learner_count(session: Session, root: Unit, filters: ReportFilters) -> int:
    """How many rows the learner list has."""
    return (
        session.scalar(select(func.count()).select_from(_learner_query(root, filters).subquery()))
        or 0
    )


def learner_rows(
    session: Session, root: Unit, filters: ReportFilters, *, sort: str = "unit"
) -> Iterator[LearnerRow]:
    """Every row of the list in the `sort` order, streamed (no list of all rows is built)."""
    keys = _sort_keys(sort)
    query = _learner_query(root, filters).order_by(*keys)
    result = session.execute(query.execution_options(yield_per=2000))
    for row in result:
        yield LearnerRow(*row)


@dataclass(frozen=True)
class LearnerPage:
    """One page of the list, with the cursors of the pages either side (None: no such page)."""

    rows: list[LearnerRow]
    previous: str | None
    next: str | None


def _encode(values: list[Any]) -> str:
    plain = [value.isoformat() if isinstance(value, date) else value for value in values]
    text = json.dumps(plain, ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str, sort: str) -> list[Any]:
    """The sort keys a cursor holds; ValueError when it is not one of this sort's cursors."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError("not a cursor") from error
    if not isinstance(values, list) or len(values) != len(_sort_keys(sort)):
        raise ValueError("not a cursor of this order")
    if sort == "due":
        values[0] = date.fromisoformat(values[0])
    if not all(isinstance(v, str | int | date) for v in values[:-2]) or not all(
        isinstance(v, int) for v in values[-2:]
    ):
        raise ValueError("not a cursor of this order")
    return values


def learner_page(
    session: Session,
    root: Unit,
    filters: ReportFilters,
    *,
    sort: str = "unit",
    after: str | None = None,
    before: str | None = None,
    size: int = LEARNERS_PER_PAGE,
) -> LearnerPage:
    """The `size` rows after the cursor `after` (or just before `before`), else the first page.
    One query; a malformed cursor is a ValueError."""
    keys = _sort_keys(sort)
    position = tuple_(*keys)
    # The sort keys ride along with each row: the last row's are the next page's cursor.
    query = _learner_query(root, filters).add_columns(*keys)
    backwards = before is not None and after is None
    if backwards:
        query = query.where(position < tuple_(*map(literal, _decode(before, sort))))
        query = query.order_by(*(key.desc() for key in keys))
    else:
        if after is not None:
            query = query.where(position > tuple_(*map(literal, _decode(after, sort))))
        query = query.order_by(*keys)
    found = session.execute(query.limit(size + 1)).all()
    more = len(found) > size
    found = found[:size]
    if backwards:
        found.reverse()
    width = len(LearnerRow.__dataclass_fields__)
    rows = [LearnerRow(*row[:width]) for row in found]
    cursors = [_encode(list(row[width:])) for row in found]
    has_previous = more if backwards else after is not None
    has_next = True if backwards else more
    return LearnerPage(
        rows,
        previous=cursors[0] if cursors and has_previous else None,
        next=cursors[-1] if cursors and has_next else None,
    )
