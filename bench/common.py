"""What every benchmark shares: options, results, timing, temporary databases, the sync loop.

Databases are created empty and migrated with the app's own Alembic migrations, exactly like
`flask --app app db upgrade`, and removed afterwards. PostgreSQL benchmarks use a database of
their own (`academy_bench`), never the `test` database the test suite empties.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import sqlite3
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import make_url, text

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
# A name of our own: the test suite owns the `test` database and empties it on every run.
# BENCH_PG_DATABASE changes it, so two people benchmarking on one server never drop each
# other's database (the other benchmarks' databases take it as a prefix).
PG_BENCH_DATABASE = os.environ.get("BENCH_PG_DATABASE", "academy_bench")


@dataclass(frozen=True)
class Options:
    """How the benchmarks run; `quick` shrinks every size and duration for a smoke run."""

    quick: bool = False
    pg_url: str | None = None
    sqlite: bool = True
    duration: float = 10.0
    warmup: float = 2.0
    concurrency: int = 8
    repeat: int = 3
    load_generator: str = "auto"  # auto | wrk | python


@dataclass
class Result:
    """One row of the results table: a figure, the baseline it is compared with, and the goal.

    `ratio` is figure / baseline. `goal` is a bound on the ratio, written as ">= 0.4" or
    "<= 0.1"; `met` is None when a row has no goal.
    """

    name: str
    figure: float
    unit: str
    baseline: float | None = None
    baseline_label: str = ""
    goal: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @classmethod
    def failure(cls, name: str, unit: str, goal: str, error: BaseException) -> Result:
        """A row for a benchmark that could not run, so the other rows still get printed.

        The full traceback goes to stderr; the row keeps the first line of the message.
        """
        import traceback

        log(f"{name} failed:\n{''.join(traceback.format_exception(error))}")
        first_line = (str(error).strip().splitlines() or [""])[0]
        return cls(
            name=name,
            figure=float("nan"),
            unit=unit,
            goal=goal,
            error=f"{type(error).__name__}: {first_line}",
        )

    @property
    def ratio(self) -> float | None:
        """figure / baseline, or None without a baseline."""
        if self.error or self.baseline in (None, 0):
            return None
        return self.figure / self.baseline

    @property
    def met(self) -> bool | None:
        """Whether the ratio satisfies the goal (None when there is no goal or no figure)."""
        if not self.goal or self.ratio is None:
            return None
        operator, bound = self.goal.split()
        if operator == ">=":
            return self.ratio >= float(bound)
        if operator == "<=":
            return self.ratio <= float(bound)
        raise ValueError(f"goal {self.goal!r} is not '>= N' or '<= N'")

    def as_dict(self) -> dict[str, Any]:
        """The row with its derived fields, for the JSON file."""
        row = {**asdict(self), "ratio": self.ratio, "met": self.met}
        if self.error or self.figure != self.figure:
            row["figure"] = None  # NaN (no figure) is not JSON
        return row


class Stopwatch:
    """Accumulates wall-clock time of named sections: `with watch.section("check"): ...`."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        """Add the time spent inside the block to `name`."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

    @property
    def total(self) -> float:
        """All sections together."""
        return sum(self.seconds.values())


# -- databases ---------------------------------------------------------------------------


def database_targets(options: Options) -> list[tuple[str, str | None]]:
    """The (dialect, server URL) pairs to run on: SQLite, then PostgreSQL if a URL was given."""
    targets: list[tuple[str, str | None]] = []
    if options.sqlite:
        targets.append(("sqlite", None))
    if options.pg_url:
        targets.append(("postgresql", options.pg_url))
    return targets


@contextmanager
def temporary_database(dialect: str, server_url: str | None = None) -> Iterator[str]:
    """An empty database migrated to head; yields its URL and removes it afterwards."""
    if dialect == "sqlite":
        with tempfile.TemporaryDirectory(prefix="academy-bench-") as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            migrate(url)
            yield url
        return
    assert server_url, "PostgreSQL needs a server URL"
    with _postgres_database(server_url) as url:
        migrate(url)
        yield url


@contextmanager
def _postgres_database(server_url: str) -> Iterator[str]:
    """Create the benchmark's own database on the server of `server_url`; drop it afterwards."""
    from sqlalchemy import create_engine

    # CREATE/DROP DATABASE cannot run inside a transaction, and not while connected to the
    # database in question: talk to the maintenance database in autocommit mode.
    server = make_url(server_url).set(database="postgres")
    target = make_url(server_url).set(database=PG_BENCH_DATABASE)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            # A run that was killed may have left it behind; it is ours, so start afresh.
            conn.execute(text(f"DROP DATABASE IF EXISTS {PG_BENCH_DATABASE} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {PG_BENCH_DATABASE}"))
        try:
            yield target.render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {PG_BENCH_DATABASE} WITH (FORCE)"))
    finally:
        admin.dispose()


def migrate(url: str) -> None:
    """Bring the database at `url` to the newest migration, as `flask db upgrade` does."""
    from app import migrations
    from app.db import make_engine

    engine = make_engine(url)
    try:
        migrations.upgrade(engine)
    finally:
        engine.dispose()


def bench_app(database_url: str, courses_dir: Path | None = None) -> Flask:
    """The academy configured for one temporary database (testing config: a fixed key)."""
    from app import create_app
    from config import TestingConfig

    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url
    config.COURSES_DIR = str(courses_dir or ROOT / "courses")
    return create_app(config)


def dispose(app: Flask) -> None:
    """Close the app's connections, so a temporary database can be dropped."""
    from app.db import db

    if db.engine is not None:
        db.engine.dispose()


# -- the sync, as `flask courses sync` does it --------------------------------------------


@dataclass
class SyncRun:
    """How long a sync took, section by section, and what it did."""

    watch: Stopwatch
    outcomes: dict[str, str]
    lessons: int
    questions: int


def sync_paths(app: Flask, paths: Iterable[Path]) -> SyncRun:
    """Check `paths`, then import each course in its own transaction (the CLI's code path).

    Raises if any course has errors: a benchmark of a refused import measures nothing.
    """
    from app.content.check import check_paths, format_report
    from app.content.sync import sync_and_refresh
    from app.db import db

    watch = Stopwatch()
    outcomes: dict[str, str] = {}
    with app.app_context():
        with watch.section("check"):
            report = check_paths(list(paths))
        if report.error_count:
            raise RuntimeError("courses have errors:\n" + format_report(report))
        session = db.session
        for course in report.courses:
            with watch.section("write"):
                result = sync_and_refresh(session, course)
            with watch.section("commit"):
                session.commit()
            outcomes[result.slug] = result.outcome
    return SyncRun(watch, outcomes, report.lesson_count, report.question_count)


# -- network ------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- reporting ----------------------------------------------------------------------------


def _number(value: float | None) -> str:
    if value is None or value != value:  # None or NaN
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def format_table(results: list[Result]) -> str:
    """The results as a plain-text table, one row per result."""
    header = ("benchmark", "figure", "unit", "baseline", "ratio", "goal", "result")
    rows = [header]
    for r in results:
        baseline = _number(r.baseline)
        if r.baseline is not None and r.baseline_label:
            baseline = f"{baseline} ({r.baseline_label})"
        verdict = "ERROR" if r.error else {True: "PASS", False: "FAIL", None: "-"}[r.met]
        ratio = "-" if r.ratio is None else f"{r.ratio:.3f}"
        rows.append((r.name, _number(r.figure), r.unit, baseline, ratio, r.goal or "-", verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def machine() -> dict[str, Any]:
    """What the figures were measured on, for the JSON file and docs/performance.md."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = None
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory_gib = round(pages / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": memory_gib,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


def write_json(results: list[Result], options: Options, path: Path | None = None) -> Path:
    """Write the results, options and machine to bench/results/latest.json (git-ignored)."""
    path = path or RESULTS_DIR / "latest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    document: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "options": {**asdict(options), "pg_url": _hide_password(options.pg_url)},
        "results": [r.as_dict() for r in results],
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return path


def _hide_password(url: str | None) -> str | None:
    return make_url(url).render_as_string(hide_password=True) if url else None


def log(message: str) -> None:
    """Progress on stderr, so stdout carries only the results table."""
    import sys

    print(f"[bench] {message}", file=sys.stderr, flush=True)
