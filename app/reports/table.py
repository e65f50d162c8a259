"""The one shape every report is rendered from: on-screen HTML, CSV, XLSX and PDF.

A report query returns a `ReportTable`; each export walks its rows once, so the numbers in every
format come from the same values. The helpers here turn one cell into the value or text each format
needs, so CSV and PDF cannot drift apart on rounding or date formats.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

ColumnKind = Literal["text", "int", "float", "percent", "date", "datetime"]
CellValue = str | int | float | date | datetime | None

NUMERIC_KINDS: frozenset[str] = frozenset({"int", "float", "percent"})

# Decimal places when a column does not say: percentages read as "87.5", other fractions as "4.25".
DEFAULT_DECIMALS: dict[str, int] = {"float": 2, "percent": 1}


@dataclass(frozen=True)
class Column:
    """One report column.

    `key` is the CSV header name and part of the public interface (e.g. "completion_rate");
    `label` is the translated header shown on screen, in XLSX and in PDF (the caller translates).
    `decimals` overrides the places shown for float (default 2) and percent (default 1) columns.
    """

    key: str
    label: str
    kind: ColumnKind
    decimals: int | None = None

    @property
    def places(self) -> int:
        """Decimal places for float and percent values (0 for the other kinds)."""
        if self.decimals is not None:
            return self.decimals
        return DEFAULT_DECIMALS.get(self.kind, 0)

    @property
    def is_numeric(self) -> bool:
        """Whether the column holds numbers (right-aligned, numeric cells in XLSX)."""
        return self.kind in NUMERIC_KINDS


@dataclass(frozen=True)
class ReportTable:
    """A titled table with header lines, ready for any export.

    `rows` may be a generator streaming from the database: every export iterates it exactly once.
    Values by column kind: text -> str | None, int -> int | None, float -> float | None,
    percent -> float 0..100 | None (87.5 means 87.5 %), date -> date | None,
    datetime -> aware datetime | None. `meta` holds (label, value) lines for the header:
    unit, filters, time of generation. `sheet` is a short name for a spreadsheet tab, used when
    the title is too long for one (Excel allows 31 characters), so no name is cut in the middle.
    """

    title: str
    columns: tuple[Column, ...]
    rows: Iterable[Sequence[Any]]
    meta: tuple[tuple[str, str], ...] = ()
    sheet: str = ""


def normalise(column: Column, value: Any) -> CellValue:
    """The value a cell of `column` holds, in the type its kind promises.

    Lenient where databases differ: PostgreSQL returns Decimal for AVG/SUM, and SQLite returns text
    for date expressions it cannot type, so both are accepted. Anything else of the wrong type is a
    bug in the report query and raises TypeError naming the column.
    """
    if value is None:
        return None
    kind = column.kind
    if kind == "text":
        return value if isinstance(value, str) else str(value)
    if kind == "int":
        if isinstance(value, int):
            return int(value)
        if isinstance(value, Decimal | float) and math.isfinite(value) and value == int(value):
            return int(value)
    elif kind in ("float", "percent"):
        if isinstance(value, int | float | Decimal):
            number = float(value)
            # NaN or infinity would read as "nan" in a spreadsheet; there is no number to show.
            return number if math.isfinite(number) else None
    elif kind == "date":
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            return date.fromisoformat(value[:10])
    elif kind == "datetime":
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if isinstance(value, datetime):
            # The models store UTC; SQLite hands naive values back, as UTCDateTime documents.
            return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    raise TypeError(f"report column {column.key!r} ({kind}) cannot hold {type(value).__name__}")


def normalise_row(columns: Sequence[Column], row: Sequence[Any]) -> list[CellValue]:
    """Every cell of one row normalised; a row of the wrong length is a query bug."""
    if len(row) != len(columns):
        raise ValueError(f"report row has {len(row)} values for {len(columns)} columns")
    return [normalise(column, value) for column, value in zip(columns, row, strict=True)]


def plain_text(column: Column, value: CellValue) -> str:
    """The value as machine-readable text: what CSV writes (None is empty).

    Numbers without grouping or unit (percent 87.5, not "87.5%"), dates in ISO 8601, datetimes in
    ISO 8601 with their UTC offset, to the second.
    """
    if value is None:
        return ""
    if column.kind == "int":
        return str(value)
    if column.kind in ("float", "percent"):
        return f"{value:.{column.places}f}"
    if column.kind == "datetime" and isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if column.kind == "date" and isinstance(value, date):
        return value.isoformat()
    return str(value)


def display_text(column: Column, value: CellValue, *, empty: str = "") -> str:
    """The value as a person reads it in a printed table: percent with "%", datetimes to the minute.

    The digits are the same as `plain_text`, so a PDF and a CSV of one report never disagree.
    """
    if value is None:
        return empty
    if column.kind == "percent":
        return f"{plain_text(column, value)}%"
    if column.kind == "datetime" and isinstance(value, datetime):
        offset = value.strftime("%z")
        return f"{value:%Y-%m-%d %H:%M}{offset[:3]}:{offset[3:]}"
    return plain_text(column, value)
