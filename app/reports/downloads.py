"""What a report download is made of, shared by the pages and `flask reports export`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app import audit
from app.models import Unit
from app.reports import builders, learner_list, queries
from app.reports.table import ReportTable

REPORTS = ("units", "learners", "course")


def download_table(
    session: Session,
    report: str,
    unit: Unit,
    filters: queries.ReportFilters,
    now: datetime,
    fmt: str,
) -> tuple[ReportTable, int]:
    """The table to write for `report` ("units", "learners" or "course") and its row count.

    The learner list streams its rows; the others are small and built at once. The course
    breakdown needs `filters.course`.
    """
    if report == "units":
        rows = queries.unit_report(session, unit, filters)
        table = builders.unit_table(rows, unit, filters, now, row_kinds=fmt == "csv")
        return table, len(rows)
    if report == "learners":
        count = learner_list.learner_count(session, unit, filters)
        rows = learner_list.learner_rows(session, unit, filters)
        # Codes (not_started) for the CSV, which programs read; words wherever people read.
        table = builders.learner_table(rows, unit, filters, now, words=fmt != "csv")
        return table, count
    if report == "course" and filters.course is not None:
        breakdown = queries.course_breakdown(session, unit, filters.course)
        table = builders.course_table(breakdown, unit, filters.course, now)
        return table, len(breakdown.lessons)
    raise ValueError(f"unknown report {report!r} (the course report needs a course)")


def record_download(
    session: Session,
    action: str,
    *,
    actor_id: int | None,
    unit: Unit,
    report: str,
    fmt: str,
    rows: int,
    filters: queries.ReportFilters,
    **extra: Any,
) -> None:
    """Audit-log who took which unit's data: report, format, filters and number of rows."""
    audit.record(
        session,
        action,
        actor_id=actor_id,
        subject=unit.code,
        report=report,
        format=fmt,
        rows=rows,
        course=filters.course.slug if filters.course else None,
        date_from=filters.date_from.isoformat() if filters.date_from else None,
        date_to=filters.date_to.isoformat() if filters.date_to else None,
        status=filters.status,
        **extra,
    )
