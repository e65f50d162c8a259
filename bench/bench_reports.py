"""Unit reports at scale: the app's unit report against one raw SQL statement, and CSV export.

For each database, an organisation is generated with `app.demo.organisation` (2,000 units, 10
courses assigned to the root with sub-units, so every learner has 10 assigned courses) at
10,000 and at 100,000 learners, each into a fresh database (1,000 and 10,000 learners with
200 units under --quick). Only enrollments are written, not per-lesson rows: neither report
reads them. PostgreSQL gets an ANALYZE after the load, as autovacuum would do by itself.

- Unit report: `queries.unit_report(session, root, ReportFilters())` for the root unit (one
  row per child unit, people directly in the root, the total), against ONE hand-written SQL
  statement computing the same per-child aggregates. Their numbers must agree before anything
  is timed. One warm-up, then the median of `repeat` runs each, alternating.
  Goal: app <= 1.5 x raw SQL. Growth from 10x the learners: app time <= 12 x.
- CSV export of the learner list (every learner x assigned course of the root's subtree):
  `builders.learner_table(learner_list.learner_rows(...))` through `csv_export.csv_chunks`, in a
  request context, once timed plainly (rows/s) and once under tracemalloc (peak memory).
"""

from __future__ import annotations

import gc
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Date, bindparam, create_engine, make_url, text

from bench.common import (
    PG_BENCH_DATABASE,
    Options,
    Result,
    bench_app,
    database_targets,
    dispose,
    log,
    migrate,
)

NAME = "reports"
RATIO_GOAL = "<= 1.5"
GROWTH_GOAL = "<= 12"
COURSES = 10


@dataclass(frozen=True)
class Size:
    """One organisation to generate."""

    learners: int
    units: int


FULL_SIZES = (Size(10_000, 2_000), Size(100_000, 2_000))
QUICK_SIZES = (Size(1_000, 200), Size(10_000, 200))


@contextmanager
def named_database(dialect: str, server_url: str | None, name: str) -> Iterator[str]:
    """An empty database migrated to head, with a name of the benchmark's own on PostgreSQL
    (so benchmarks run side by side never share one); removed afterwards."""
    if dialect == "sqlite":
        with tempfile.TemporaryDirectory(prefix="academy-bench-") as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            migrate(url)
            yield url
        return
    assert server_url, "PostgreSQL needs a server URL"
    admin = create_engine(
        make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {name}"))
        try:
            url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
            migrate(url)
            yield url
        finally:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    finally:
        admin.dispose()


# The unit report's aggregate as one statement: every unit of the subtree is mapped to the
# child of the root it lies under (NULL for the root itself), then learners, assigned pairs
# and credit hours are aggregated per child in one pass each. "Below a path" is a range of
# paths, as in the app (app.organisation.tree.in_subtree): every path ends in '/', and the
# smallest string above all of `/1/5/...` is `/1/50`.
RAW_UNIT_REPORT = text(
    """
WITH sub AS (
    SELECT x.id AS unit_id, c.id AS child_id
    FROM units x
    LEFT JOIN units c ON c.parent_id = :root_id
        AND x.path >= c.path AND x.path < (substr(c.path, 1, length(c.path) - 1) || '0')
    WHERE x.path >= :root_path AND x.path < :root_upper
),
learners AS (
    SELECT s.child_id, count(*) AS learners
    FROM sub s JOIN users u ON u.unit_id = s.unit_id AND u.is_active
    GROUP BY s.child_id
),
pairs AS (
    SELECT s.child_id,
        count(*) AS assigned,
        sum(CASE WHEN e.status = 'completed' AND e.completed_at IS NOT NULL
            THEN 1 ELSE 0 END) AS completed,
        sum(CASE WHEN e.status = 'in_progress' THEN 1 ELSE 0 END) AS in_progress,
        sum(CASE WHEN uc.due_date < :today AND coalesce(e.status, 'not_started') <> 'completed'
            THEN 1 ELSE 0 END) AS overdue,
        sum(CASE WHEN e.status = 'completed' AND e.completed_at IS NOT NULL
            AND e.best_score IS NOT NULL THEN e.best_score ELSE 0 END) AS score_sum,
        sum(CASE WHEN e.status = 'completed' AND e.completed_at IS NOT NULL
            AND e.best_score IS NOT NULL THEN 1 ELSE 0 END) AS scored
    FROM sub s
    JOIN users u ON u.unit_id = s.unit_id AND u.is_active
    JOIN unit_courses uc ON uc.unit_id = u.unit_id
    LEFT JOIN enrollments e ON e.user_id = u.id AND e.course_id = uc.course_id
    GROUP BY s.child_id
),
credits AS (
    SELECT s.child_id, sum(e.credit_hours_awarded) AS credit_hours
    FROM sub s
    JOIN users u ON u.unit_id = s.unit_id AND u.is_active
    JOIN enrollments e ON e.user_id = u.id
    WHERE e.status = 'completed' AND e.completed_at IS NOT NULL
    GROUP BY s.child_id
),
children AS (
    SELECT id AS child_id FROM units WHERE parent_id = :root_id
    UNION ALL SELECT NULL
)
SELECT ch.child_id,
    coalesce(l.learners, 0), coalesce(p.assigned, 0), coalesce(p.completed, 0),
    coalesce(p.in_progress, 0), coalesce(p.overdue, 0), coalesce(p.score_sum, 0),
    coalesce(p.scored, 0), coalesce(cr.credit_hours, 0)
FROM children ch
LEFT JOIN learners l ON l.child_id = ch.child_id
    OR (l.child_id IS NULL AND ch.child_id IS NULL)
LEFT JOIN pairs p ON p.child_id = ch.child_id OR (p.child_id IS NULL AND ch.child_id IS NULL)
LEFT JOIN credits cr ON cr.child_id = ch.child_id
    OR (cr.child_id IS NULL AND ch.child_id IS NULL)
"""
).bindparams(bindparam("today", type_=Date))

FIELDS = ("learners", "assigned", "completed", "in_progress", "overdue", "score_sum", "scored",
          "credit_hours")  # fmt: skip


def raw_unit_report(session: Any, root: Any, today: date) -> dict[int | None, tuple]:
    """The raw statement's rows, keyed by child unit id (None: people directly in the root)."""
    rows = session.execute(
        RAW_UNIT_REPORT,
        {
            "root_id": root.id,
            "root_path": root.path,
            "root_upper": root.path[:-1] + "0",
            "today": today,
        },
    ).all()
    return {
        row[0]: tuple(float(v) for v in row[1:])
        for row in rows
        if row[1]
        or row[2]  # the app leaves out an empty "directly in the unit" row
        or row[0] is not None
    }


def app_unit_report(session: Any, root: Any, filters: Any) -> dict[int | None, tuple]:
    """The app's unit report in the same shape (the total row left out)."""
    from app.reports import queries

    rows = queries.unit_report(session, root, filters)
    return {
        (row.unit.id if row.unit is not None else None): tuple(
            float(getattr(row.totals, name)) for name in FIELDS
        )
        for row in rows
        if not row.is_total
    }


def same_numbers(ours: dict, theirs: dict) -> bool:
    """Equal keys and equal figures (sums of floats to a relative 1e-9)."""
    if ours.keys() != theirs.keys():
        return False
    return all(
        abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
        for key in ours
        for a, b in zip(ours[key], theirs[key], strict=True)
    )


def _median_times(runs: int, *calls: Callable[[], object]) -> list[float]:
    """Each call once to warm up, then `runs` times alternating; the median of each."""
    for call in calls:
        call()
    times: list[list[float]] = [[] for _ in calls]
    for _ in range(runs):
        for index, call in enumerate(calls):
            started = time.perf_counter()
            call()
            times[index].append(time.perf_counter() - started)
    return [statistics.median(t) for t in times]


def _export_csv(app: Any, session: Any, root: Any, filters: Any, trace: bool) -> dict[str, Any]:
    """Stream the learner list as CSV; rows, bytes, seconds (and peak traced memory)."""
    from app.reports import builders, learner_list
    from app.reports.csv_export import csv_chunks

    with app.test_request_context():
        gc.collect()
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        table = builders.learner_table(
            learner_list.learner_rows(session, root, filters), root, filters, _now(filters)
        )
        size = 0
        newlines = 0
        for chunk in csv_chunks(table):
            size += len(chunk)
            newlines += chunk.count(b"\n")
        seconds = time.perf_counter() - started
        peak = None
        if trace:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        session.rollback()
    return {"rows": newlines - 1, "bytes": size, "seconds": seconds, "peak_bytes": peak}


def _now(filters: Any) -> Any:
    from datetime import datetime

    return datetime.now(filters.zone)


def measure(dialect: str, server_url: str | None, size: Size, repeat: int) -> dict[str, Any]:
    """Generate one organisation into a fresh database and measure both reports on it."""
    from sqlalchemy import select

    from app.db import db
    from app.demo.organisation import generate_organisation
    from app.models import Unit
    from app.reports.queries import ReportFilters

    with named_database(dialect, server_url, f"{PG_BENCH_DATABASE}_reports") as url:
        app = bench_app(url)
        try:
            with app.app_context():
                session = db.new_session()
                started = time.perf_counter()
                summary = generate_organisation(
                    session,
                    learners=size.learners,
                    units=size.units,
                    courses=COURSES,
                    seed=1,
                    lesson_progress=False,
                )
                session.commit()
                generated = time.perf_counter() - started
                if dialect == "postgresql":
                    session.execute(text("ANALYZE"))
                    session.commit()
                session.close()
                log(
                    f"reports [{dialect}]: generated {size.learners:,} learners,"
                    f" {summary.assigned_pairs:,} pairs in {generated:.1f} s"
                )
                reader = db.new_session(write=False)
                root = reader.scalar(select(Unit).where(Unit.code == summary.root_code))
                filters = ReportFilters()
                ours = app_unit_report(reader, root, filters)
                theirs = raw_unit_report(reader, root, filters.today)
                if not same_numbers(ours, theirs):
                    raise AssertionError(f"raw SQL disagrees with the app:\n{ours}\n{theirs}")
                app_s, raw_s = _median_times(
                    repeat,
                    lambda: app_unit_report(reader, root, filters),
                    lambda: raw_unit_report(reader, root, filters.today),
                )
                reader.rollback()
                log(f"reports [{dialect}]: unit report {app_s:.3f} s, raw SQL {raw_s:.3f} s")
                plain = _export_csv(app, reader, root, filters, trace=False)
                traced = _export_csv(app, reader, root, filters, trace=True)
                reader.close()
                if plain["rows"] != summary.assigned_pairs:
                    raise AssertionError(
                        f"CSV has {plain['rows']} rows, not {summary.assigned_pairs}"
                    )
                log(
                    f"reports [{dialect}]: CSV {plain['rows']:,} rows in {plain['seconds']:.1f} s,"
                    f" peak {traced['peak_bytes'] / 2**20:.1f} MiB traced"
                )
                return {
                    "learners": size.learners,
                    "units": size.units,
                    "courses": COURSES,
                    "pairs": summary.assigned_pairs,
                    "enrollments": summary.enrollments,
                    "generate_s": round(generated, 2),
                    "generate_sections_s": {k: round(v, 2) for k, v in summary.seconds.items()},
                    "app_s": app_s,
                    "raw_s": raw_s,
                    "csv_rows": plain["rows"],
                    "csv_bytes": plain["bytes"],
                    "csv_s": plain["seconds"],
                    "csv_rows_per_s": plain["rows"] / plain["seconds"],
                    "csv_traced_s": traced["seconds"],
                    "csv_peak_traced_bytes": traced["peak_bytes"],
                }
        finally:
            dispose(app)


def run(options: Options) -> list[Result]:
    """Both sizes on each database: report ratio, growth, CSV rows/s and peak memory."""
    sizes = QUICK_SIZES if options.quick else FULL_SIZES
    repeat = max(options.repeat, 3) if not options.quick else 3
    results: list[Result] = []
    for dialect, server_url in database_targets(options):
        figures: list[dict[str, Any]] = []
        for size in sizes:
            name = f"reports: unit report, {size.learners:,} learners [{dialect}]"
            try:
                measured = measure(dialect, server_url, size, repeat)
            except Exception as error:  # report it in the table and go on with the others
                results.append(Result.failure(name, "s", RATIO_GOAL, error))
                continue
            figures.append(measured)
            results.append(
                Result(
                    name=name,
                    figure=measured["app_s"],
                    unit="s",
                    baseline=measured["raw_s"],
                    baseline_label="one raw SQL statement",
                    goal=RATIO_GOAL,
                    details=measured,
                )
            )
            results.append(
                Result(
                    name=f"reports: CSV learner list, {measured['csv_rows']:,} rows [{dialect}]",
                    figure=measured["csv_rows_per_s"],
                    unit="rows/s",
                    details={
                        "seconds": measured["csv_s"],
                        "bytes": measured["csv_bytes"],
                        "peak_traced_mib": round(measured["csv_peak_traced_bytes"] / 2**20, 2),
                    },
                )
            )
        if len(figures) == 2:
            small, large = figures
            results.append(
                Result(
                    name=f"reports: unit report growth, {large['learners'] // small['learners']}x"
                    f" learners [{dialect}]",
                    figure=large["app_s"],
                    unit="s",
                    baseline=small["app_s"],
                    baseline_label=f"{small['learners']:,} learners",
                    goal=GROWTH_GOAL,
                    details={"raw_growth": large["raw_s"] / small["raw_s"]},
                )
            )
    return results
