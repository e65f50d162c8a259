"""How much a request may send: body size, form field size and number of form fields.

The limits are settings (config.py): MAX_CONTENT_LENGTH, MAX_FORM_MEMORY_SIZE and MAX_FORM_PARTS
for every page, the larger UPLOAD_ ones only for views marked `@accepts_upload`, and
STUDIO_MAX_UPLOAD_MB (plus room for the form around the file) for the course archive upload,
marked `@accepts_archive`. Going past one is a 413, whose page app.errors renders.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import IO, Any, TypeVar

from flask import Flask, Request, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

F = TypeVar("F", bound=Callable[..., Any])
URLENCODED = "application/x-www-form-urlencoded"
MIB = 1024 * 1024
# The multipart envelope and the form's other fields (CSRF token) around an archive.
ARCHIVE_FORM_OVERHEAD = MIB


def accepts_upload(view: F) -> F:
    """Mark a view that takes a CSV upload (or carries one back): it gets the UPLOAD_ sizes."""
    view.accepts_upload = True  # type: ignore[attr-defined]
    return view


def accepts_archive(view: F) -> F:
    """Mark a view that takes a course archive: its body may hold STUDIO_MAX_UPLOAD_MB."""
    view.accepts_archive = True  # type: ignore[attr-defined]
    return view


class FieldCountingParser(FormDataParser):
    """Werkzeug counts the fields of multipart forms only; this counts url-encoded ones too,
    before they are split, so 100,000 tiny fields are refused instead of parsed."""

    def parse(
        self,
        stream: IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str] | None = None,
    ) -> Any:
        """Refuse a url-encoded body with more than `max_form_parts` fields, then parse."""
        if mimetype == URLENCODED and self.max_form_parts is not None:
            # The stream is already cut at max_content_length, so this read is bounded.
            body = stream.read()
            if body.count(b"&") >= self.max_form_parts:
                raise RequestEntityTooLarge()
            stream = io.BytesIO(body)
        return super().parse(stream, mimetype, content_length, options)


class LimitedRequest(Request):
    """The app's request: form fields counted whatever the encoding."""

    form_data_parser_class = FieldCountingParser


def apply_upload_limits(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """Give the views marked `@accepts_upload` the larger UPLOAD_ sizes (`@accepts_archive`:
    the archive size).

    Registered as a URL value preprocessor because those run after the URL is matched and
    before every `before_request` function: the CSRF check reads the form in one, and the body
    must be parsed with this view's limits.
    """
    view = current_app.view_functions.get(endpoint or "")
    if getattr(view, "accepts_upload", False):
        request.max_content_length = current_app.config["UPLOAD_MAX_CONTENT_LENGTH"]
        request.max_form_memory_size = current_app.config["UPLOAD_MAX_FORM_MEMORY_SIZE"]
    elif getattr(view, "accepts_archive", False):
        # Only the file may be large; it is spooled to disk, never held in memory, so the
        # form memory limit stays the ordinary one.
        archive_bytes = current_app.config["STUDIO_MAX_UPLOAD_MB"] * MIB
        request.max_content_length = archive_bytes + ARCHIVE_FORM_OVERHEAD


def init_app(app: Flask) -> None:
    """Use the limited request class and give upload views their sizes."""
    app.request_class = LimitedRequest
    app.url_value_preprocessor(apply_upload_limits)
