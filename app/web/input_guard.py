"""One early check of every request: no NUL character anywhere in what it sends.

No page has any use for a NUL (U+0000). PostgreSQL refuses it in text, so it used to reach the
database and come back as a 500; SQLite stored it as it came. Refusing it here, before any view,
covers the path, the query string, form fields and their names, upload file names and JSON
bodies at once. The content of uploaded CSV files is the CSV reader's to check
(app.imports.csv_files), which reports the row.
"""

from __future__ import annotations

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

NUL = "\x00"


class RefusedInput(BadRequest):
    """Input that cannot be accepted, with a message saying what to do (app.errors shows it)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _has_nul(fields: MultiDict) -> bool:
    """A NUL in any name or any value (every value of a repeated name, not only the first)."""
    return any(NUL in name or NUL in value for name, value in fields.items(multi=True))


def sent_nul() -> bool:
    """Whether the request carries a NUL in its path, query, form, file names or JSON body."""
    if NUL in request.path or _has_nul(request.args):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    if _has_nul(request.form):
        return True
    names = MultiDict(
        (name, upload.filename or "") for name, upload in request.files.items(multi=True)
    )
    if _has_nul(names):
        return True
    if request.is_json:
        # Read as bytes, not parsed: a NUL arrives raw or escaped as \u0000.
        body = request.get_data(cache=True)
        return b"\x00" in body or b"\\u0000" in body
    return False


def refuse_nul() -> None:
    """Stop a request carrying a NUL with a 400 that says what to do."""
    if sent_nul():
        raise RefusedInput(
            _(
                "What you sent contains a NUL character (an invisible control character), which"
                " this site does not accept. It often comes with text copied from another"
                " program: type the text again, or check the address, and try again."
            )
        )


def init_app(app: Flask) -> None:
    """Check every request before its view runs."""
    app.before_request(refuse_nul)
