"""Reading an import CSV file: its encoding, its header, its rows with spreadsheet row numbers.

Row 1 is the header and row 2 the first data row, as a spreadsheet shows them, so every error
can point at the row a person has to fix.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from flask_babel import format_decimal
from flask_babel import gettext as _

CHUNK = 500  # ids or names per IN (...) list: well under every database's parameter limit
# The longest value any column may hold: the widest column filled from a file is an email
# address (254, app.models.identity), so a longer value is a mistake (or an attack) whatever
# the column; each import checks its own columns' exact lengths.
MAX_FIELD_CHARS = 1000


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
    data: bytes, columns: tuple[str, ...], optional: tuple[str, ...] = ()
) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """Decode and split a CSV file into (row number, {column: trimmed value}) pairs.

    Columns may come in any order; extra columns are ignored; blank rows are skipped (but
    counted, so the numbers match the spreadsheet). An `optional` column is read when the
    header has it, and is then in every row's values (absent from them otherwise).
    """
    try:
        text = decode(data)
    except ValueError as error:
        return [], [RowError(1, str(error))]
    records, error = _records(text)
    if error is not None:
        return [], [error]
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
    where = {name: header.index(name) for name in (*columns, *optional) if name in header}
    rows = []
    errors = []
    for number, record in enumerate(records[1:], start=2):
        if not any(value.strip() for value in record):
            continue
        if problem := _field_problem(record):
            errors.append(RowError(number, problem))
            continue
        values = {
            name: record[i].strip() if i < len(record) else "" for name, i in where.items()
        }
        rows.append((number, values))
    if errors:
        return [], errors
    if not rows:
        return [], [RowError(2, _("The file has a header but no rows."))]
    return rows, []


def _records(text: str) -> tuple[list[list[str]], RowError | None]:
    """The file's records, or the row where the CSV reader gave up.

    The reader refuses a field over its own limit (csv.field_size_limit, 128 KiB), which would
    otherwise end the request with a 500; that row gets the same message as a long field.
    """
    records: list[list[str]] = []
    try:
        for record in csv.reader(io.StringIO(text, newline="")):
            records.append(record)
    except csv.Error:
        return [], RowError(len(records) + 1, _too_long())
    return records, None


def _field_problem(record: list[str]) -> str | None:
    """Why a row cannot be read at all, whatever its columns mean: a NUL or a huge value."""
    if any("\x00" in value for value in record):
        return _(
            "This row contains a NUL character, which no value may hold. If the whole file has"
            " them, it was saved as Unicode (UTF-16) text: save it as CSV (UTF-8) instead."
        )
    if any(len(value) > MAX_FIELD_CHARS for value in record):
        return _too_long()
    return None


def _too_long() -> str:
    return _(
        "A value in this row is longer than %(count)s characters; no column holds that much."
        " Check the row, for example for a missing quote.",
        count=format_decimal(MAX_FIELD_CHARS),
    )
