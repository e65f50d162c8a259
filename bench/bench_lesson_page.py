"""Lesson page throughput: a signed-in learner's lesson page against a Flask hello-world.

Both apps run side by side under the same gunicorn settings (`-w 2`, sync workers, 127.0.0.1)
and are driven by the same load generator for the same time after the same warm-up, in
alternating runs so that both see the same background load. The academy runs with its production
configuration on a temporary database holding the shipped courses (courses/) and one learner,
who signs in through the real form first.

Goals (issue 20): the lesson page reaches at least 25% of hello-world's requests per second,
and its 99th percentile latency is at most 5 times its median (the median run's, at
`--concurrency` connections): a second row reports p99 against p50.
"""

from __future__ import annotations

import html
import http.client
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import IO
from urllib.parse import urlencode

from bench import load
from bench.common import (
    ROOT,
    Options,
    Result,
    bench_app,
    database_targets,
    dispose,
    free_port,
    log,
    sync_paths,
    temporary_database,
)
from bench.hello_app import HELLO_TEXT

NAME = "lesson"
GOAL = ">= 0.25"
LATENCY_GOAL = "<= 5"
WORKERS = 2
LEARNER = "bench-learner"
# Long enough for the password policy, and not on its list of common passwords.
LEARNER_PASSWORD = secrets.token_urlsafe(18)
COOKIE_NAME = "__Host-academy_session"  # the production name
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
SERVER_START_SECONDS = 30


@dataclass(frozen=True)
class LessonTarget:
    """The lesson the benchmark requests, and the text that proves a response is that lesson."""

    path: str
    title_html: str


# -- the database -------------------------------------------------------------------------


def prepare_database(url: str) -> LessonTarget:
    """Sync the shipped courses, create the learner, and pick a published lesson with a quiz."""
    from sqlalchemy import select

    from app.auth.services import create_user
    from app.db import db
    from app.models import Course, Lesson

    app = bench_app(url)
    try:
        sync_paths(app, [ROOT / "courses"])
        with app.app_context():
            session = db.session
            create_user(
                session,
                LEARNER,
                full_name="Bench Learner",
                password=LEARNER_PASSWORD,
                roles={"learner"},
            )
            session.commit()
            # A lesson with a quiz: the heavier and more common kind of lesson page.
            course_slug, lesson_slug, title = session.execute(
                select(Course.slug, Lesson.slug, Lesson.title)
                .join(Lesson, Lesson.course_id == Course.id)
                .where(Course.status == "published", Lesson.has_quiz, Lesson.archived.is_(False))
                .order_by(Course.slug, Lesson.position)
                .limit(1)
            ).one()
    finally:
        dispose(app)
    return LessonTarget(f"/courses/{course_slug}/lessons/{lesson_slug}", html.escape(title))


# -- gunicorn -----------------------------------------------------------------------------


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str], ready_path: str) -> Iterator[str]:
    """Serve `app_spec` with gunicorn (2 sync workers) on a free port; yields the base URL."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-w",
        str(WORKERS),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        app_spec,
    ]
    # Only what the server needs: a DATABASE_URL or ACADEMY_ENV from the caller's shell must
    # not leak into the benchmark.
    child_env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TZ")}
    child_env.update(env)
    with tempfile.TemporaryFile("w+") as server_log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=child_env, stdout=server_log, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_ready(process, port, ready_path, server_log)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_ready(
    process: subprocess.Popen[bytes], port: int, path: str, server_log: IO[str]
) -> None:
    """Poll `path` until it answers 200; fail with the server's log if gunicorn exits."""
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            server_log.seek(0)
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{server_log.read()}")
        try:
            status, _headers, _body = request(port, "GET", path)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on port {port} within {SERVER_START_SECONDS} s")


# -- a minimal HTTP client for signing in -------------------------------------------------


def request(
    port: int, method: str, path: str, headers: dict[str, str] | None = None, body: str = ""
) -> tuple[int, list[str], str]:
    """One request on a new connection: status, Set-Cookie headers, body text."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        return response.status, response.headers.get_all("Set-Cookie") or [], text
    finally:
        connection.close()


def _session_cookie(set_cookies: list[str]) -> str | None:
    """The value of the academy's session cookie among Set-Cookie headers, if it is there."""
    # The production cookie is marked Secure, which a browser would not send over plain HTTP;
    # on 127.0.0.1 we keep it by hand rather than weaken the app's configuration.
    for header in set_cookies:
        cookie = SimpleCookie()
        cookie.load(header)
        if COOKIE_NAME in cookie:
            return cookie[COOKIE_NAME].value
    return None


def sign_in(port: int) -> str:
    """Sign the learner in through /login; returns the session cookie header value."""
    status, set_cookies, page = request(port, "GET", "/login")
    match = CSRF_RE.search(page)
    if status != 200 or match is None:
        raise RuntimeError(f"GET /login gave {status} without a CSRF token")
    cookie = _session_cookie(set_cookies)
    form = urlencode(
        {"username": LEARNER, "password": LEARNER_PASSWORD, "csrf_token": match[1] or match[2]}
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if cookie:
        headers["Cookie"] = f"{COOKIE_NAME}={cookie}"
    status, set_cookies, _page = request(port, "POST", "/login", headers, form)
    cookie = _session_cookie(set_cookies)
    if status != 302 or cookie is None:
        raise RuntimeError(f"sign-in failed: POST /login gave {status}")
    return f"{COOKIE_NAME}={cookie}"


# -- measuring ----------------------------------------------------------------------------


@dataclass
class Measurement:
    """The timed runs against one server; the median run is the figure."""

    runs: list[load.LoadResult] = field(default_factory=list)

    @property
    def median(self) -> load.LoadResult:
        """The run with the median requests per second."""
        ordered = sorted(self.runs, key=lambda r: r.rps)
        return ordered[len(ordered) // 2]

    def details(self) -> dict[str, object]:
        """Every run's rate and the median run's latencies, for the JSON file."""
        return {
            "runs_rps": [round(r.rps, 1) for r in self.runs],
            "requests": sum(r.requests for r in self.runs),
            "latency_ms": self.median.latency_ms,
        }


@dataclass(frozen=True)
class Target:
    """A URL to load, the headers to send and the text every good response contains."""

    url: str
    headers: dict[str, str]
    expect: str


def drive_once(target: Target, seconds: float, options: Options, generator: str) -> load.LoadResult:
    """One run of the load generator; a response that is not 200 with the text fails it all."""
    result = load.drive(
        generator,
        target.url,
        headers=target.headers,
        expect=target.expect,
        seconds=seconds,
        concurrency=options.concurrency,
    )
    if result.bad or result.socket_errors or not result.requests:
        raise RuntimeError(
            f"{target.url}: {result.bad} bad responses and {result.socket_errors} socket errors"
            f" in {result.requests} requests"
        )
    return result


def measure_pair(
    hello: Target, lesson: Target, options: Options, generator: str
) -> tuple[Measurement, Measurement]:
    """Warm both servers up, then alternate timed runs of hello-world and the lesson page.

    Alternating puts each lesson run next to a hello-world run under the same background load,
    which matters on a small machine shared with other work.
    """
    for target in (hello, lesson):
        drive_once(target, options.warmup, options, generator)
    hello_runs, lesson_runs = Measurement(), Measurement()
    for _ in range(max(1, options.repeat)):
        hello_runs.runs.append(drive_once(hello, options.duration, options, generator))
        lesson_runs.runs.append(drive_once(lesson, options.duration, options, generator))
    return hello_runs, lesson_runs


def measure_on(
    dialect: str, server_url: str | None, options: Options, generator: str
) -> tuple[Measurement, Measurement, LessonTarget]:
    """Hello-world and the lesson page (signed in) with the academy on one database."""
    with temporary_database(dialect, server_url) as database_url:
        lesson = prepare_database(database_url)
        env = {
            "ACADEMY_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "TRUSTED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url,
        }
        # Both servers stay up; the one not under load only waits on its socket.
        with (
            gunicorn("bench.hello_app:app", {}, "/") as hello_base,
            gunicorn("app:create_app()", env, "/login") as academy_base,
        ):
            # The session cookie is rewritten at most every 30 seconds (sessions.py); a
            # learner reading lessons mostly sends an unchanged one, and so does the benchmark.
            cookie = sign_in(int(academy_base.rsplit(":", 1)[1]))
            # The first visit enrolls and opens the quiz's attempt; the load measures revisits.
            # (Eight first visits at once would also measure how parallel first visits queue.)
            status, _cookies, _page = request(
                int(academy_base.rsplit(":", 1)[1]), "GET", lesson.path, {"Cookie": cookie}
            )
            if status != 200:
                raise RuntimeError(f"the first visit of {lesson.path} gave {status}")
            hello_runs, lesson_runs = measure_pair(
                Target(f"{hello_base}/", {}, HELLO_TEXT),
                Target(academy_base + lesson.path, {"Cookie": cookie}, lesson.title_html),
                options,
                generator,
            )
    log(
        f"lesson [{dialect}]: {lesson.path} {_rates(lesson_runs)} req/s"
        f" ({_latencies(lesson_runs)}), hello-world {_rates(hello_runs)} req/s"
        f" ({_latencies(hello_runs)}) ({generator})"
    )
    return hello_runs, lesson_runs, lesson


def _rates(measured: Measurement) -> str:
    return " / ".join(f"{r.rps:,.0f}" for r in measured.runs)


def _latencies(measured: Measurement) -> str:
    """Each run's p50/p99 in milliseconds."""
    return " / ".join(
        f"p50 {r.latency_ms.get('p50', 0):.1f} p99 {r.latency_ms.get('p99', 0):.1f} ms"
        for r in measured.runs
    )


def _name(dialect: str) -> str:
    return f"lesson page, signed in, gunicorn -w {WORKERS} [{dialect}]"


def _latency_name(dialect: str) -> str:
    return f"lesson page p99 vs p50 latency [{dialect}]"


def run(options: Options) -> list[Result]:
    """The lesson page against hello-world on each database; one row per database."""
    results = []
    for dialect, server_url in database_targets(options):
        load_before = os.getloadavg()[0]
        try:
            generator = load.choose_generator(options.load_generator)
            hello, lesson, target = measure_on(dialect, server_url, options, generator)
        except Exception as error:  # report it in the table and go on with the others
            results.append(Result.failure(_name(dialect), "req/s", GOAL, error))
            results.append(Result.failure(_latency_name(dialect), "ms", LATENCY_GOAL, error))
            continue
        results.append(
            Result(
                name=_name(dialect),
                figure=lesson.median.rps,
                unit="req/s",
                baseline=hello.median.rps,
                baseline_label="hello-world",
                goal=GOAL,
                details={
                    "lesson": target.path,
                    "generator": generator,
                    "concurrency": options.concurrency,
                    "duration_s": options.duration,
                    "warmup_s": options.warmup,
                    "lesson_page": lesson.details(),
                    "hello_world": hello.details(),
                    # Other work on the machine takes cores from server and generator alike.
                    "load_average_1min": [load_before, os.getloadavg()[0]],
                },
            )
        )
        latency = lesson.median.latency_ms
        results.append(
            Result(
                name=_latency_name(dialect),
                figure=latency.get("p99", float("nan")),
                unit="ms (p99)",
                baseline=latency.get("p50"),
                baseline_label="p50",
                goal=LATENCY_GOAL,
                details={"runs_latency_ms": [r.latency_ms for r in lesson.runs]},
            )
        )
    return results
