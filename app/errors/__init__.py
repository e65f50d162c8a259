"""Friendly error pages; unexpected errors are logged with context and rolled back."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.db import db
from app.errors import denials


def _page(status: int, title: str, message: str) -> tuple[str, int]:
    return render_template("errors/error.html", status=status, title=title, message=message), status


def handle_csrf(error: CSRFError) -> tuple[str, int]:
    """A form without a valid token: usually an old page; tell the person to reload."""
    denials.record_csrf_rejection(error.description)
    return _page(
        400,
        _("This form has expired"),
        _("Go back, reload the page and send the form again."),
    )


def handle_http(error: HTTPException) -> tuple[str, int] | HTTPException:
    """Our own page for the common HTTP errors, in the person's language."""
    messages = {
        400: (_("Bad request"), _("The request could not be understood. Check the address.")),
        403: (_("Not allowed"), _("You do not have permission to see this page.")),
        404: (_("Page not found"), _("Check the address, or go back to the home page.")),
        405: (_("Not allowed"), _("This address does not accept that kind of request.")),
        429: (_("Too many requests"), _("Please wait a moment and try again.")),
    }
    if error.code not in messages:
        return error
    title, message = messages[error.code]
    return _page(error.code, title, message)


def handle_unexpected(error: Exception) -> tuple[str, int]:
    """Roll back, log with context, and show a calm page."""
    db.session.rollback()
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    return _page(
        500,
        _("Something went wrong"),
        _("The error has been logged. Please try again in a few minutes."),
    )


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    if not app.testing:
        # Tests should see the real traceback instead of a friendly page.
        app.register_error_handler(Exception, handle_unexpected)
