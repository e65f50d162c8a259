"""The audit log page and its CSV file, for administrators only.

The views register on the admin blueprint (the factory imports this module). Filters come from
the query string, so a filtered page can be bookmarked and its CSV link carries the same filters.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app import audit
from app.admin import audit_log
from app.admin.access import admin_required
from app.admin.forms import AuditFilterForm
from app.admin.routes import bp
from app.db import db, writes_database


def _filter_form() -> AuditFilterForm:
    form = AuditFilterForm(formdata=request.args)
    actions = sorted(audit_log.ACTIONS.items(), key=lambda item: str(item[1]))
    form.event.choices = [("", _("All events"))] + [(code, str(label)) for code, label in actions]
    return form


def _filters(form: AuditFilterForm) -> audit_log.AuditFilters:
    return audit_log.AuditFilters(
        action=form.event.data or None,
        user=(form.user.data or "").strip(),
        exact=bool(form.exact.data),
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        zone=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]),
    )


def _render(form: AuditFilterForm, page: audit_log.AuditPage | None, args: dict) -> str:
    return render_template(
        "admin/audit.html",
        form=form,
        page=page,
        args=args,
        labels=audit_log.ACTIONS,
        details_text=audit_log.details_text,
    )


@bp.route("/audit")
@admin_required
def audit_events() -> tuple[str, int]:
    """The audit log, newest first, 50 events a page, filtered by event, user and period."""
    form = _filter_form()
    if not form.validate():
        return _render(form, None, {}), 422
    filters = _filters(form)
    page = audit_log.audit_page(
        db.session,
        filters,
        before=request.args.get("before", type=int),
        after=request.args.get("after", type=int),
    )
    return _render(form, page, filters.as_args()), 200


@bp.route("/audit.csv")
@admin_required
@writes_database
def audit_csv() -> Response | tuple[str, int]:
    """Every event the filters match, as a CSV file streamed newest first; the export itself is
    audit-logged (committed before the file streams)."""
    form = _filter_form()
    if not form.validate():
        return _render(form, None, {}), 422
    filters = _filters(form)
    audit.record(
        db.session, "audit_log_exported", actor_id=current_user.id, **filters.as_details()
    )
    # The file is read in a session of its own that only reads: the request's session is a
    # writer, and on SQLite it would hold the write lock for as long as the file streams.
    reader = db.new_session(write=False)

    def body() -> Iterator[bytes]:
        try:
            yield from audit_log.csv_chunks(audit_log.all_lines(reader, filters), filters.zone)
        finally:
            reader.close()

    response = Response(stream_with_context(body()), mimetype="text/csv")
    day = datetime.now(filters.zone).date().isoformat()
    response.headers["Content-Disposition"] = f'attachment; filename="audit-log-{day}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
