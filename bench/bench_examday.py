"""Exam day: how many learners can take one timed closing test at once on this machine.

The academy runs as README "Running in production" says (`gunicorn -w 4`, sync workers,
ACADEMY_ENV=production) on a temporary database holding the bench's own course: two reading
lessons and a closing test drawing 10 of 30 pool questions, shuffled, 3 attempts, `requires:
all`, with a time limit. Before the clock starts, each wave's learners are written in bulk as
learners who studied the course (enrollment, both reading lessons completed) and who signed
in a few minutes ago: a login session row each, and the signed cookie `start_session` would
have given them. During the wave every request is real HTTP to gunicorn (bench/examday_client.py:
start page, Start, quiz page, heartbeats, submit, result). Afterwards the database must hold
exactly one submitted attempt per learner, none open, none late, none lost.

A wave passes with no error and a p95 under 1 s for every request type. The search starts at
the goal's size, doubles while waves pass or halves until one does, then bisects; each wave is
bounded in time, one whose verdict is already certain is stopped, and the search has a budget.
Before it, 20 learners' requests run in-process to count their SQL statements and CPU time.
`BENCH_EXAMDAY_LEARNERS=N` runs one wave of N instead. Figure: the largest passing N per core
(os.cpu_count()). Goal (issue 20): 2,500 per core, 20 x Moodle's ~125 quiz takers per vCPU.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.bench_reports import named_database
from bench.common import (
    PG_BENCH_DATABASE,
    Options,
    Result,
    bench_app,
    database_targets,
    dispose,
    log,
    sync_paths,
)
from bench.examday_checks import check_database, profile_requests
from bench.examday_client import KINDS, Plan, Wave, run_wave
from bench.examday_setup import (
    DRAW,
    LESSON_PATH,
    WORKERS,
    Server,
    academy_server,
    add_learners,
    cpu_seconds,
    database_cpu,
    wait_until_idle,
    write_course,
)

NAME = "examday"
GOAL = ">= 1"
GOAL_PER_CORE = 2500
# A stopped wave leaves requests queued in the server's backlog; they are served before the next.
IDLE_SECONDS = 180


@dataclass(frozen=True)
class Scale:
    """A search's timing and bounds: the full run, or the --quick smoke run."""

    plan: Plan
    time_limit_minutes: int
    first: int  # the first wave's size
    grain: int  # sizes are multiples of this
    max_waves: int
    budget_s: float  # no wave starts that could end after this
    precision: float  # bisecting stops when the gap is at most this share of the best size


def scale_for(quick: bool) -> Scale:
    """60 s start window, heartbeats every 30 s, answers 40-110 s after Start on a 2-minute
    test; --quick: two small waves of a few seconds each."""
    cores = os.cpu_count() or 1
    if quick:
        plan = Plan(LESSON_PATH, window_s=3, heartbeat_s=2.5, answer_min_s=3, answer_max_s=6)
        return Scale(plan, 1, first=30, grain=10, max_waves=2, budget_s=40, precision=0.5)
    plan = Plan(LESSON_PATH, window_s=60, heartbeat_s=30, answer_min_s=40, answer_max_s=110)
    return Scale(plan, 2, GOAL_PER_CORE * cores, 50, max_waves=7, budget_s=25 * 60, precision=0.1)


# -- waves and the search -----------------------------------------------------------------


@dataclass
class WaveReport:
    """One wave's size, verdict and everything measured about it."""

    learners: int
    passed: bool
    reason: str
    latency: dict[str, dict[str, float]]
    database: dict[str, int]
    details: dict[str, Any]


def judge(wave: Wave, database: dict[str, int], count: int) -> str:
    """Why the wave failed ("" when it passed): stopped, an error, p95 >= 1 s, or the
    database does not hold exactly one submitted attempt per learner."""
    if wave.stopped:
        return f"stopped: {wave.stopped}"
    slow = [k for k, v in wave.stats.summary().items() if v["count"] and v["p95_ms"] >= 1000]
    if slow:
        return f"p95 >= 1 s: {', '.join(slow)}"
    expected = {
        "opened": count,
        "submitted": count,
        "learners_with_attempt": count,
        "duplicates": 0,
        "open": 0,
        "late": 0,
        "items": count * DRAW,
        "heartbeat_rows": sum(1 for learner in wave.learners if learner.heartbeats),
        "completed": database["passed"],
    }
    wrong = [f"{k} {database[k]} (not {v})" for k, v in expected.items() if database[k] != v]
    if wave.submitted != count:
        wrong.append(f"{count - wave.submitted} learners saw no result")
    return "; ".join(wrong)


def run_one_wave(app: Any, server: Server, plan: Plan, number: int, count: int) -> WaveReport:
    """Add `count` learners, let them take the test, then check what the database holds."""
    wait_until_idle(server.port, IDLE_SECONDS)
    learners = add_learners(app, f"w{number:02d}", count)
    _old, log_from = server.log_lines(0)
    cpu_before, load_before = cpu_seconds(server.pid), os.getloadavg()[0]
    database_before = database_cpu(app)
    wave = run_wave(learners, plan, server.port, seed=number)
    server_cpu = cpu_seconds(server.pid) - cpu_before
    database_after = database_cpu(app)
    # Backends that ended during the wave are missed; the pools keep theirs open.
    database_seconds = sum(t - database_before.get(p, 0.0) for p, t in database_after.items())
    wait_until_idle(server.port, IDLE_SECONDS)  # a stopped wave's requests may still be queued
    server_lines, _end = server.log_lines(log_from)
    requests = sum(len(values) for values in wave.stats.latencies.values())
    database = check_database(app, [learner.user_id for learner in learners], LESSON_PATH)
    reason = judge(wave, database, count)
    report = WaveReport(
        count,
        not reason,
        reason or "p95 < 1 s for every request, no error, every attempt recorded once",
        wave.stats.summary(),
        database,
        {
            "seconds": round(wave.seconds, 1),
            "errors": wave.stats.error_samples,
            "heartbeats": sum(learner.heartbeats for learner in learners),
            "connections_opened": sum(learner.connections for learner in learners),
            "client_cpu_s": round(wave.client_cpu_s, 1),
            "server_cpu_s": round(server_cpu, 1),
            "server_cpu_ms_per_request": round(server_cpu * 1000 / max(1, requests), 2),
            "postgresql_cpu_s": round(database_seconds, 1),
            "server_log_warnings": len([line for line in server_lines if line.strip()]),
            "server_log_sample": server_lines[:5],
            "load_average_1min": [load_before, os.getloadavg()[0]],
        },
    )
    log(f"examday: {count} learners: {'PASS' if report.passed else 'FAIL'} ({report.reason})")
    for kind in KINDS:
        row = report.latency[kind]
        log(
            f"  {kind:<12} n={row['count']:>6.0f} errors={row['errors']:.0f}"
            f"  p50 {row['p50_ms']:7.1f}  p95 {row['p95_ms']:7.1f}"
            f"  p99 {row['p99_ms']:7.1f}  max {row['max_ms']:7.1f} ms"
        )
    shown = {k: v for k, v in report.details.items() if k not in ("errors", "server_log_sample")}
    log(f"  {shown}")
    log(f"  database: {database}")
    return report


def warm_up(app: Any, server: Server) -> None:
    """A few learners through the whole test, unmeasured, so that every worker has compiled
    its templates and filled its caches before the first wave (as on a server that has been up
    since the morning)."""
    plan = Plan(LESSON_PATH, window_s=1, heartbeat_s=0.5, answer_min_s=0.6, answer_max_s=1.2)
    learners = add_learners(app, "warmup", 4 * WORKERS)
    wave = run_wave(learners, plan, server.port, seed=0, judged=False)
    if wave.stats.error_count or wave.stopped:
        raise RuntimeError(f"the warm-up failed: {wave.stopped or wave.stats.error_samples}")


def next_size(scale: Scale, best: int, worst: int | None, last: int) -> int | None:
    """The next wave's size: halve until a wave passes, double while they pass, then bisect;
    None when the gap is small enough."""
    if best == 0:
        size = last // 2 // scale.grain * scale.grain
        return size if size >= scale.grain else None
    if worst is None:
        return last * 2
    if worst - best <= max(scale.grain, scale.precision * best):
        return None
    middle = (best + worst) // 2 // scale.grain * scale.grain
    return middle if best < middle < worst else None


def search(app: Any, server: Server, scale: Scale) -> list[WaveReport]:
    """Waves of growing or shrinking size until the largest passing one is pinned down."""
    fixed = int(os.environ.get("BENCH_EXAMDAY_LEARNERS") or 0)
    reports: list[WaveReport] = []
    started = time.monotonic()
    size: int | None = fixed or scale.first
    best, worst = 0, None
    while size and len(reports) < (1 if fixed else scale.max_waves):
        wave_seconds = scale.plan.window_s + scale.plan.answer_max_s + 15
        if reports and time.monotonic() - started + wave_seconds > scale.budget_s:
            log(f"examday: the search's budget of {scale.budget_s:.0f} s is spent")
            break
        report = run_one_wave(app, server, scale.plan, len(reports) + 1, size)
        reports.append(report)
        if report.passed:
            best = max(best, size)
        else:
            worst = size if worst is None else min(worst, size)
        size = next_size(scale, best, worst, size)
    return reports


# -- running ------------------------------------------------------------------------------


def _rows(
    dialect: str, reports: list[WaveReport], scale: Scale, extra: dict[str, Any]
) -> list[Result]:
    cores = os.cpu_count() or 1
    passing = [r for r in reports if r.passed]
    best = max(passing, key=lambda r: r.learners) if passing else None
    shown = best or min(reports, key=lambda r: r.learners)
    details = {
        "largest_passing_learners": best.learners if best else 0,
        # No wave failed (a capped search, or BENCH_EXAMDAY_LEARNERS): the figure is a floor.
        "lower_bound": all(r.passed for r in reports),
        "cores": cores,
        "gunicorn_workers": WORKERS,
        "plan": asdict(scale.plan),
        "time_limit_minutes": scale.time_limit_minutes,
        "waves": [asdict(r) for r in reports],
        **extra,
    }
    rows = [
        Result(
            name=f"exam day: learners per core with p95 < 1 s, no error [{dialect}]",
            figure=(best.learners if best else 0) / cores,
            unit="learners/core",
            baseline=GOAL_PER_CORE,
            baseline_label="20 x Moodle per vCPU",
            goal=GOAL,
            details=details,
        )
    ]
    for kind in KINDS:
        row = shown.latency[kind]
        rows.append(
            Result(
                name=f"exam day N={shown.learners} [{dialect}]: {kind} p95"
                f" (p50 {row['p50_ms']:.0f}, p99 {row['p99_ms']:.0f} ms)",
                figure=row["p95_ms"],
                unit="ms (p95)",
                baseline=1000,
                baseline_label="1 s",
                goal="<= 1",
                details=row,
            )
        )
    return rows


def run_on(dialect: str, server_url: str | None, scale: Scale, folder: Path) -> list[Result]:
    """One database: import the course, profile one learner in-process, then the search."""
    with named_database(dialect, server_url, f"{PG_BENCH_DATABASE}_examday") as url:
        app = bench_app(url, folder.parent)
        try:
            sync_paths(app, [folder])
            profile = profile_requests(app, add_learners(app, "profile", 20), LESSON_PATH)
            log(
                f"examday [{dialect}]: in-process per request (statements, CPU ms): "
                + ", ".join(f"{k} {v['statements']:.0f}, {v['cpu_ms']}" for k, v in profile.items())
            )
            with academy_server(url, app.config["SECRET_KEY"]) as server:
                warm_up(app, server)
                reports = search(app, server, scale)
            return _rows(dialect, reports, scale, {"in_process_per_request": profile})
        finally:
            dispose(app)


def run(options: Options) -> list[Result]:
    """The exam-day search on each database."""
    scale = scale_for(options.quick)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="academy-bench-examday-") as root:
        folder = write_course(Path(root), scale.time_limit_minutes)
        for dialect, server_url in database_targets(options):
            try:
                results.extend(run_on(dialect, server_url, scale, folder))
            except Exception as error:  # report it in the table and go on with the others
                results.append(
                    Result.failure(
                        f"exam day: learners per core with p95 < 1 s, no error [{dialect}]",
                        "learners/core",
                        GOAL,
                        error,
                    )
                )
    return results
