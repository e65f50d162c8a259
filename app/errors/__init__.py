"""Friendly error pages; unexpected errors are logged with context and rolled back."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, SecurityError

from app.db import db
from app.errors import denials
from app.web.input_guard import RefusedInput


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


def handle_untrusted_host(error: SecurityError) -> tuple[str, int, dict[str, str]]:
    """A Host header outside TRUSTED_HOSTS: no link can be built for it, so plain text only."""
    message = _("This site does not answer to that host name. Check the address.")
    return message, 400, {"Content-Type": "text/plain; charset=utf-8"}


def handle_refused(error: RefusedInput) -> tuple[str, int]:
    """Input refused for a reason the person can fix: say which and what to do."""
    return _page(400, _("This cannot be accepted"), error.message)


def handle_too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    """A body over this page's limit (see app.web.request_limits): say how much it takes."""
    limit = request.max_content_length
    message = _("What you sent is more than this page accepts.")
    # Naming the body's limit helps only when the body passed it (not one field, or their number).
    if limit and (request.content_length or 0) > limit:
        message = _(
            "What you sent is more than this page accepts (at most %(size)s MB). Shorten the"
            " text, or split the file into smaller ones, and try again.",
            size=format_decimal(round(limit / (1024 * 1024), 1)),
        )
    return _page(413, _("Too much at once"), message)


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
    app.register_error_handler(SecurityError, handle_untrusted_host)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(RefusedInput, handle_refused)
    app.register_error_handler(RequestEntityTooLarge, handle_too_large)
    if not app.testing:
        # Tests should see the real traceback instead of a friendly page.
        app.register_error_handler(Exception, handle_unexpected)
