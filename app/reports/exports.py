"""One entry point for the report downloads: format names, MIME types, writing and streaming.

fmt = FORMATS["xlsx"]
response = Response(stream_with_context(stream(table, "xlsx")), mimetype=fmt.mimetype)
response.headers["Content-Disposition"] = content_disposition(download_name("unit-A1", "xlsx"))
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import IO, Any
from urllib.parse import quote

from app.reports.csv_export import csv_chunks
from app.reports.pdf_export import write_pdf
from app.reports.table import ReportTable
from app.reports.xlsx_export import write_xlsx

# XLSX and PDF are zip/xref files written whole before the first byte can go out; they are
# spooled in memory up to this size and to a temporary file beyond it.
SPOOL_MAX_BYTES = 8 * 1024 * 1024
STREAM_CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class ExportFormat:
    """A download format: its `?format=` name, MIME type and file extension."""

    name: str
    mimetype: str
    extension: str


FORMATS: dict[str, ExportFormat] = {
    # Werkzeug adds `; charset=utf-8` to text types itself.
    "csv": ExportFormat("csv", "text/csv", "csv"),
    "xlsx": ExportFormat(
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
    ),
    "pdf": ExportFormat("pdf", "application/pdf", "pdf"),
}


class RowCount:
    """Rows passing through, counted: the audit log records how many rows a download held."""

    def __init__(self, rows: Iterable[Sequence[Any]]) -> None:
        self._rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Sequence[Any]]:
        for row in self._rows:
            self.count += 1
            yield row


def counted(table: ReportTable) -> tuple[ReportTable, RowCount]:
    """The same table with its rows counted as an export reads them (read `.count` afterwards).

    A PDF stops reading at its row cap, so the count is what the file holds, plus at most one.
    """
    rows = RowCount(table.rows)
    return replace(table, rows=rows), rows


def export(table: ReportTable, fmt: str, fileobj: IO[bytes], **options: Any) -> None:
    """Write the table in format `fmt` ("csv", "xlsx" or "pdf") to a binary file object.

    `options` go to the format's writer (e.g. max_rows= or truncated_note= for PDF).
    """
    if fmt == "csv":
        for chunk in csv_chunks(table, **options):
            fileobj.write(chunk)
    elif fmt == "xlsx":
        write_xlsx(table, fileobj, **options)
    elif fmt == "pdf":
        write_pdf(table, fileobj, **options)
    else:
        raise ValueError(f"unknown report format {fmt!r}; expected one of {sorted(FORMATS)}")


def stream(table: ReportTable, fmt: str, **options: Any) -> Iterator[bytes]:
    """The export as byte chunks for a streamed response; nothing runs until it is iterated.

    CSV goes out as the rows arrive. XLSX and PDF are built in a spooled temporary file first
    (their formats need the whole file), then sent in chunks, so memory stays bounded either way.
    """
    if fmt == "csv":
        yield from csv_chunks(table, **options)
        return
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; expected one of {sorted(FORMATS)}")
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES) as spool:
        export(table, fmt, spool, **options)
        spool.seek(0)
        while chunk := spool.read(STREAM_CHUNK_BYTES):
            yield chunk


def download_name(stem: str, fmt: str) -> str:
    """A file name for the download: the stem (e.g. "unit-report-A1-2024-07-01") plus extension."""
    return f"{stem}.{FORMATS[fmt].extension}"


def content_disposition(filename: str) -> str:
    """A Content-Disposition header value that keeps a Chinese file name (RFC 6266 / 5987).

    Browsers use filename*; the ASCII filename= is the fallback for old clients.
    """
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_stem).strip("_.") or "report"
    ascii_name = f"{ascii_stem}.{extension}" if extension else ascii_stem
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
