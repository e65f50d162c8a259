"""Turning report query results into `ReportTable`s: one table feeds screen, CSV, XLSX and PDF."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask_babel import format_datetime
from flask_babel import gettext as _

from app.models import Course, Unit
from app.reports.learner_list import LearnerRow
from app.reports.queries import CourseBreakdown, ReportFilters, UnitRow
from app.reports.table import Column, ReportTable

UNIT_COLUMNS_KEYS = (
    "unit_code",
    "unit_name",
    "learners",
    "assigned",
    "completed",
    "in_progress",
    "not_started",
    "overdue",
    "completion_rate",
    "avg_score",
    "credit_hours",
)
LEARNER_COLUMNS_KEYS = (
    "username",
    "full_name",
    "unit_code",
    "unit_name",
    "course_id",
    "course_title",
    "status",
    "due_date",
    "completed_at",
    "best_score",
    "credit_hours",
)


def status_label(status: str) -> str:
    """A learner-course status in words."""
    return {
        "completed": _("Completed"),
        "in_progress": _("In progress"),
        "not_started": _("Not started"),
        "overdue": _("Overdue"),
    }.get(status, status)


def _meta(
    unit: Unit, filters: ReportFilters, generated_at: datetime
) -> tuple[tuple[str, str], ...]:
    lines = [(_("Unit"), f"{unit.name} ({unit.code})")]
    lines.append(
        (_("Course"), filters.course.title if filters.course else _("All assigned courses"))
    )
    if filters.date_from or filters.date_to:
        period = f"{filters.date_from.isoformat() if filters.date_from else '…'} – " + (
            filters.date_to.isoformat() if filters.date_to else "…"
        )
        lines.append((_("Completion period"), period))
    if filters.status:
        lines.append((_("Status"), status_label(filters.status)))
    lines.append((_("Generated"), format_datetime(generated_at, "medium")))
    return tuple(lines)


def unit_columns() -> tuple[Column, ...]:
    """The unit report's columns (keys are the CSV header, part of the public interface)."""
    labels = (
        _("Unit code"),
        _("Unit"),
        _("Learners"),
        _("Assigned"),
        _("Completed"),
        _("In progress"),
        _("Not started"),
        _("Overdue"),
        _("Completion rate"),
        _("Average score"),
        _("Credit hours"),
    )
    kinds = ("text", "text", "int", "int", "int", "int", "int", "int", "percent", "float", "float")
    return tuple(
        Column(key, label, kind, decimals=1 if kind == "float" else None)  # type: ignore[arg-type]
        for key, label, kind in zip(UNIT_COLUMNS_KEYS, labels, kinds, strict=True)
    )


def unit_table(
    rows: list[UnitRow],
    root: Unit,
    filters: ReportFilters,
    generated_at: datetime,
    *,
    row_kinds: bool = False,
) -> ReportTable:
    """The unit report as a table: child units, people directly in the unit, and the total.

    `row_kinds` adds a last column, `row_kind` (subunit, direct or total), for the CSV: a
    program cannot tell those rows apart by the translated words in front of the name.
    """

    def values(row: UnitRow) -> list[object]:
        t = row.totals
        if row.unit is None:
            code, name = root.code, _("People directly in %(unit)s", unit=root.name)
            kind = "direct"
        elif row.is_total:
            code, name = row.unit.code, _("Total: %(unit)s", unit=row.unit.name)
            kind = "total"
        else:
            code, name = row.unit.code, row.unit.name
            kind = "subunit"
        return [
            code,
            name,
            t.learners,
            t.assigned,
            t.completed,
            t.in_progress,
            t.not_started,
            t.overdue,
            t.completion_rate,
            t.avg_score,
            round(t.credit_hours, 1),
        ] + ([kind] if row_kinds else [])

    columns = unit_columns()
    if row_kinds:
        columns = (*columns, Column("row_kind", _("Row kind"), "text"))
    return ReportTable(
        title=_("Completion report: %(unit)s", unit=root.name),
        columns=columns,
        rows=[values(r) for r in rows],
        meta=_meta(root, filters, generated_at),
        sheet=_("Units %(code)s", code=root.code),
    )


def learner_columns() -> tuple[Column, ...]:
    """The learner list's columns (keys are the CSV header)."""
    labels = (
        _("Username"),
        _("Full name"),
        _("Unit code"),
        _("Unit"),
        _("Course id"),
        _("Course"),
        _("Status"),
        _("Due date"),
        _("Completed on"),
        _("Best score"),
        _("Credit hours"),
    )
    kinds = ("text",) * 7 + ("date", "datetime", "float", "float")
    return tuple(
        Column(key, label, kind, decimals=1 if kind == "float" else None)  # type: ignore[arg-type]
        for key, label, kind in zip(LEARNER_COLUMNS_KEYS, labels, kinds, strict=True)
    )


def learner_table(
    rows: Iterator[LearnerRow],
    root: Unit,
    filters: ReportFilters,
    generated_at: datetime,
    *,
    words: bool = False,
) -> ReportTable:
    """The learner list as a table; `words` shows statuses in words (screen, PDF), else codes."""

    def values(r: LearnerRow) -> list[object]:
        status = r.status
        if status != "completed" and r.due_date is not None and r.due_date < filters.today:
            status = "overdue"
        return [
            r.username,
            r.full_name,
            r.unit_code,
            r.unit_name,
            r.course_id,
            r.course_title,
            status_label(status) if words else status,
            r.due_date,
            # The zone the page and its filters use: a completion at 06:44 in Beijing on
            # 2 December is on 2 December in every format (CSV with its +08:00 offset).
            r.completed_at.astimezone(filters.zone) if r.completed_at else None,
            r.best_score,
            r.credit_hours,
        ]

    return ReportTable(
        title=_("Learners: %(unit)s", unit=root.name),
        columns=learner_columns(),
        rows=(values(r) for r in rows),
        meta=_meta(root, filters, generated_at),
        sheet=_("Learners %(code)s", code=root.code),
    )


def course_table(
    breakdown: CourseBreakdown, root: Unit, course: Course, generated_at: datetime
) -> ReportTable:
    """The course breakdown: one row per lesson with how many started and completed it."""
    columns = (
        Column("module", _("Module"), "text"),
        Column("lesson", _("Lesson"), "text"),
        Column("started", _("Learners who started"), "int"),
        Column("completed", _("Learners who completed"), "int"),
        Column("completion_rate", _("Completion rate"), "percent"),
    )
    started = max((line.started for line in breakdown.lessons), default=0)
    rows = [
        [
            line.module_title,
            line.lesson_title,
            line.started,
            line.completed,
            round(100.0 * line.completed / started, 1) if started else None,
        ]
        for line in breakdown.lessons
    ]
    return ReportTable(
        title=_("%(course)s in %(unit)s", course=course.title, unit=root.name),
        columns=columns,
        rows=rows,
        meta=_meta(root, ReportFilters(course=course), generated_at),
        sheet=_("Lessons %(code)s", code=root.code),
    )


# A spreadsheet built in a request stops here (it is built whole before it is sent); the
# CSV streams any number of rows, and `reports export` writes every row in any format.
WEB_XLSX_MAX_ROWS = 100_000


def format_options(fmt: str, *, unit: Unit | None = None, report: str = "") -> dict[str, Any]:
    """The translated words the XLSX and PDF writers put in the file. With `unit` (a download
    from a page, not the CLI) the spreadsheet is capped at WEB_XLSX_MAX_ROWS, and the notes say
    how to get every row: the CSV, or the `reports export` command."""
    command = (
        f"flask --app app reports export --unit {unit.code} --report {report} --format {fmt}"
        if unit is not None
        else ""
    )
    if fmt == "pdf":
        note = _("Showing the first {shown} rows only; download CSV or XLSX for all rows.")
        if command:
            note = _(
                "Showing the first {shown} rows only; download the CSV for all rows, or ask an"
                " administrator to run: %(command)s",
                command=command,
            )
        return {"truncated_note": note}
    if fmt == "xlsx":
        options: dict[str, Any] = {"about_sheet": _("About")}
        if command:
            options["max_rows"] = WEB_XLSX_MAX_ROWS
            options["truncated_note"] = _(
                "Only the first {shown} rows are in this file; download the CSV for all rows, or"
                " ask an administrator to run: %(command)s",
                command=command,
            )
        return options
    return {}
