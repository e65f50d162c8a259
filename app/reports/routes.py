"""Report pages and downloads. HR sees their own subtree, admins everything, others nothing.

Every URL answers 404 outside the caller's scope, whatever the parameters or format, so the
existence of other units' data is not revealed. Each download is audit-logged.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.content.lookup import course_by_slug
from app.db import db
from app.models import Course, Unit
from app.organisation.scope import managed_scope_or_404, within_scope
from app.organisation.tree import unit_by_code
from app.reports import builders, downloads, learner_list, queries
from app.reports.chart import bar_chart_svg
from app.reports.exports import FORMATS, content_disposition, download_name, stream
from app.web.input_guard import RefusedInput

bp = Blueprint("reports", __name__, url_prefix="/reports")



def unit_in_scope(code: str) -> Unit:
    """The unit the URL names, if it lies in the caller's scope; a 404 otherwise."""
    unit = unit_by_code(db.session, code)
    if unit is None or not within_scope(unit, managed_scope_or_404(db.session)):
        abort(404)
    return unit


def _date_arg(name: str) -> date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(400)


def requested_period() -> tuple[date | None, date | None]:
    """The ?from= and ?to= dates; a period that ends before it starts is refused, not ignored."""
    date_from, date_to = _date_arg("from"), _date_arg("to")
    if date_from and date_to and date_from > date_to:
        raise RefusedInput(
            _("The period starts on %(start)s, after its end on %(end)s. Swap the two dates.",
              start=date_from.isoformat(), end=date_to.isoformat())
        )
    return date_from, date_to


def _filters() -> queries.ReportFilters:
    """Filters from the query string; an unknown course is a 404, a malformed date a 400."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    course = None
    if slug := request.args.get("course", "").strip():
        course = course_by_slug(db.session, slug, user=current_user)
        if course is None:
            abort(404)
    status = request.args.get("status", "").strip() or None
    if status is not None and status not in queries.STATUSES:
        abort(400)
    date_from, date_to = requested_period()
    return queries.ReportFilters(
        course=course,
        date_from=date_from,
        date_to=date_to,
        status=status,
        search=request.args.get("q", "")[:100],
        zone=zone,
        today=datetime.now(zone).date(),
    )


def _filter_args(filters: queries.ReportFilters) -> dict[str, str]:
    """The filters as query-string arguments, for links that keep them."""
    args = {
        "course": filters.course.slug if filters.course else "",
        "from": filters.date_from.isoformat() if filters.date_from else "",
        "to": filters.date_to.isoformat() if filters.date_to else "",
        "q": " ".join(filters.search.split()),
        "status": filters.status or "",
    }
    return {key: value for key, value in args.items() if value}


def _format() -> str:
    fmt = request.args.get("format", "html")
    if fmt != "html" and fmt not in FORMATS:
        abort(400)
    return fmt


def _download(report: str, unit: Unit, filters: queries.ReportFilters, fmt: str) -> Response:
    """Audit-log the download, then stream the file (the log is committed before it streams)."""
    now = datetime.now(filters.zone)
    session = db.session
    table, rows = downloads.download_table(session, report, unit, filters, now, fmt)
    downloads.record_download(
        session,
        "report_downloaded",
        actor_id=current_user.id,
        unit=unit,
        report=report,
        fmt=fmt,
        rows=rows,
        filters=filters,
    )

    def body() -> Iterator[bytes]:
        # The rows are read from `session` while the file streams, after the view has returned
        # and its app context has been torn down: close the session when the stream ends, or
        # its connection would stay checked out in an open transaction.
        try:
            options = builders.format_options(fmt, unit=unit, report=report)
            yield from stream(table, fmt, **options)
        finally:
            session.close()

    stem = "-".join(
        [report, unit.code]
        + ([filters.course.slug] if filters.course else [])
        + [now.date().isoformat()]
    )
    response = Response(stream_with_context(body()), mimetype=FORMATS[fmt].mimetype)
    response.headers["Content-Disposition"] = content_disposition(download_name(stem, fmt))
    response.headers["Cache-Control"] = "no-store"
    return response


def _courses() -> list[Course]:
    return list(
        db.session.scalars(
            select(Course).where(Course.status == "published").order_by(Course.title)
        )
    )


@bp.route("/")
@login_required
def index() -> Response:
    """Start at the caller's own unit (HR) or at the top of the tree (admins)."""
    scope = managed_scope_or_404(db.session)
    if scope:
        return redirect(url_for(".units", code=scope[0].code))
    root = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.name))
    if root is None:
        abort(404)
    return redirect(url_for(".units", code=root.code))


@bp.route("/units/<code>")
@login_required
def units(code: str) -> Response | str:
    """The unit report: one row per child unit plus the unit's total, with a chart."""
    unit = unit_in_scope(code)
    filters, fmt = _filters(), _format()
    if fmt != "html":
        return _download("units", unit, filters, fmt)
    rows = queries.unit_report(db.session, unit, filters)
    table = builders.unit_table(rows, unit, filters, datetime.now(filters.zone))
    children = [r for r in rows if r.unit is not None and not r.is_total]
    chart = (
        bar_chart_svg(
            [(r.unit.name, r.totals.completion_rate) for r in children],
            title=_("Completion rate by unit"),
            no_data=_("no assigned courses"),
        )
        if children
        else ""
    )
    return render_template(
        "reports/units.html",
        unit=unit,
        rows=rows,
        table=table,
        filters=filters,
        chart=chart,
        as_of=datetime.now(filters.zone),
        from_rows=queries.reads_learner_rows(db.session, filters),
        courses=_courses(),
        breadcrumbs=_breadcrumbs(unit),
        args=_filter_args(filters),
    )


def _breadcrumbs(unit: Unit) -> list[Unit]:
    """The unit's ancestors that the caller may open, top first."""
    ids = [int(part) for part in unit.path.strip("/").split("/")[:-1]]
    if not ids:
        return []
    ancestors = db.session.scalars(select(Unit).where(Unit.id.in_(ids))).all()
    scope = managed_scope_or_404(db.session)
    return sorted((u for u in ancestors if within_scope(u, scope)), key=lambda u: u.depth)


@bp.route("/units/<code>/learners")
@login_required
def learners(code: str) -> Response | str:
    """One row per learner and assigned course, a page at a time on screen (?sort=, and the
    ?after= / ?before= cursors of the pager), complete in downloads."""
    unit = unit_in_scope(code)
    filters, fmt = _filters(), _format()
    if fmt != "html":
        return _download("learners", unit, filters, fmt)
    sort = request.args.get("sort", "unit")
    if sort not in learner_list.SORTS:
        abort(400)
    try:
        page = learner_list.learner_page(
            db.session,
            unit,
            filters,
            sort=sort,
            after=request.args.get("after") or None,
            before=request.args.get("before") or None,
        )
    except ValueError:
        abort(400)  # a cursor edited by hand or cut short
    return render_template(
        "reports/learners.html",
        unit=unit,
        page=page,
        total=learner_list.learner_count(db.session, unit, filters),
        sort=sort,
        filters=filters,
        courses=_courses(),
        status_label=builders.status_label,
        args=_filter_args(filters),
        as_of=datetime.now(filters.zone),
    )


@bp.route("/units/<code>/courses/<course_slug>")
@login_required
def course(code: str, course_slug: str) -> Response | str:
    """Completion per module and drop-off per lesson of one course in the unit's subtree."""
    unit = unit_in_scope(code)
    found = course_by_slug(db.session, course_slug, user=current_user)
    if found is None:
        abort(404)
    fmt = _format()
    filters = queries.ReportFilters(
        course=found, zone=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    )
    if fmt != "html":
        return _download("course", unit, filters, fmt)
    breakdown = queries.course_breakdown(db.session, unit, found)
    table = builders.course_table(breakdown, unit, found, datetime.now(filters.zone))
    return render_template(
        "reports/course.html",
        unit=unit,
        course=found,
        breakdown=breakdown,
        table=table,
        as_of=datetime.now(filters.zone),
    )
