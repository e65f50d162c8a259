"""The HR unit report page against Kolibri's coach class summary, in one run (issue 16).

Our side: a fresh database per dialect holding an organisation made by
`flask --app app demo generate` (1,000 learners, 10 units, 5 courses; 200 learners under
--quick), an HR officer whose scope is the root unit, signed in through the real /login form.
The academy runs with its production configuration under gunicorn -w 2 (the lesson
benchmark's settings). Two pages are loaded: the unit report at the root and the first page
of its learner list. A response counts only when it is a 200 with text that only the real page
has (the report's total row; the learner table).

Kolibri's side, when PEER_DIR names an installed peer (/work/shared/peers/kolibri, set up with
`./RECIPE.sh all`): its stock server is started with `RECIPE.sh start`, `login.py` signs the
admin in, and `/coach/api/classsummary/<first class id>/` is loaded with the same generator
and settings; a response counts when it is a 200 holding `"content_learner_status"`. Runs
alternate: Kolibri, our report, our learner list, Kolibri... so that each of our runs sits
next to a Kolibri run under the same background load. The server is stopped at the end.

Goal (issue 16): the unit report page serves >= 20 times the class summary's requests/s.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from bench import load
from bench.bench_lesson_page import (
    COOKIE_NAME,
    CSRF_RE,
    Measurement,
    Target,
    _session_cookie,
    drive_once,
    gunicorn,
    request,
)
from bench.common import (
    Options,
    Result,
    bench_app,
    database_targets,
    dispose,
    log,
    temporary_database,
)

NAME = "peer"
GOAL = ">= 20"
HR_USER = "bench-hr"
HR_PASSWORD = secrets.token_urlsafe(18)
NOT_MEASURED = "not measured (set PEER_DIR, see ../shared/peers)"
KOLIBRI_EXPECT = '"content_learner_status"'
REPORT_EXPECT = '<tr class="total">'
LEARNERS_EXPECT = '<table class="report">'


@dataclass(frozen=True)
class Organisation:
    """What `demo generate` made: the root's code and the size, for the JSON file."""

    root_code: str
    learners: int
    units: int
    courses: int


# -- our side -----------------------------------------------------------------------------


def prepare_database(url: str, quick: bool) -> Organisation:
    """`flask --app app demo generate` into the database, then an HR officer over the root."""
    from sqlalchemy import select, text

    from app.auth.services import create_user
    from app.db import db
    from app.models import Unit

    learners = 200 if quick else 1_000
    size = Organisation("", learners, 10, 5)
    app = bench_app(url)
    try:
        result = app.test_cli_runner().invoke(
            args=[
                "demo",
                "generate",
                "--learners",
                str(learners),
                "--units",
                str(size.units),
                "--courses",
                str(size.courses),
                "--seed",
                "1",
            ]  # fmt: skip
        )
        if result.exit_code != 0:
            raise RuntimeError(f"demo generate failed: {result.output}")
        with app.app_context():
            session = db.session
            root = session.scalar(
                select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id).limit(1)
            )
            create_user(
                session,
                HR_USER,
                full_name="Bench HR",
                password=HR_PASSWORD,
                roles={"hr"},
                unit=root,
            )
            session.commit()
            if url.startswith("postgresql"):
                session.execute(text("ANALYZE"))  # as autovacuum would soon after the load
                session.commit()
            return Organisation(root.code, learners, size.units, size.courses)
    finally:
        dispose(app)


def sign_in(port: int, username: str, password: str) -> str:
    """Sign in through /login; returns the session cookie header value."""
    status, set_cookies, page = request(port, "GET", "/login")
    match = CSRF_RE.search(page)
    if status != 200 or match is None:
        raise RuntimeError(f"GET /login gave {status} without a CSRF token")
    cookie = _session_cookie(set_cookies)
    form = urlencode(
        {"username": username, "password": password, "csrf_token": match[1] or match[2]}
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if cookie:
        headers["Cookie"] = f"{COOKIE_NAME}={cookie}"
    status, set_cookies, _page = request(port, "POST", "/login", headers, form)
    cookie = _session_cookie(set_cookies)
    if status != 302 or cookie is None:
        raise RuntimeError(f"sign-in failed: POST /login gave {status}")
    return f"{COOKIE_NAME}={cookie}"


# -- Kolibri ------------------------------------------------------------------------------


def peer_dir() -> Path | None:
    """The installed peer's folder (PEER_DIR), or None when it is not set or not set up."""
    folder = os.environ.get("PEER_DIR")
    if not folder:
        return None
    path = Path(folder)
    if not (path / "venv" / "bin" / "kolibri").exists() or not (path / "RECIPE.sh").exists():
        raise RuntimeError(f"PEER_DIR={folder} has no installed Kolibri: run ./RECIPE.sh all there")
    return path


def _recipe(folder: Path, *args: str) -> str:
    """Run `RECIPE.sh ARGS` in the peer's folder; its output, or an error with it."""
    env = {**os.environ, "PEER_DIR": str(folder)}
    # A file, not a pipe: the recipe's `exec 3>&2` hands its stderr to the server it starts in
    # the background, so a pipe would stay open as long as the server runs.
    with tempfile.TemporaryFile("w+") as output:
        done = subprocess.run(
            [str(folder / "RECIPE.sh"), *args], cwd=folder, env=env, stdout=output,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=180, check=False,
        )  # fmt: skip
        output.seek(0)
        text = output.read()
    if done.returncode != 0:
        raise RuntimeError(f"RECIPE.sh {' '.join(args)} failed:\n{text}")
    return text


@contextmanager
def kolibri(folder: Path) -> Iterator[Target]:
    """Kolibri's stock server, the admin signed in; yields the class summary target."""
    _recipe(folder, "stop")  # a server left over from `RECIPE.sh all` would hold the home
    _recipe(folder, "start")
    try:
        home = Path(os.environ.get("KOLIBRI_HOME", folder / "home"))
        port = (home / "peer-port.txt").read_text().strip()
        cookie = subprocess.run(
            ["python3", str(folder / "login.py"), port, "admin", "AdminPass123"],
            cwd=folder, capture_output=True, text=True, timeout=60, check=True,
        ).stdout.strip()  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        classes = urllib.request.Request(f"{base}/api/auth/classroom/", headers={"Cookie": cookie})
        with urllib.request.urlopen(classes, timeout=30) as response:  # noqa: S310 (loopback)
            first = json.load(response)[0]["id"]
        yield Target(f"{base}/coach/api/classsummary/{first}/", {"Cookie": cookie}, KOLIBRI_EXPECT)
    finally:
        _recipe(folder, "stop")


# -- measuring ----------------------------------------------------------------------------


def measure_round_robin(
    targets: list[Target], options: Options, generator: str
) -> list[Measurement]:
    """Warm every target up, then `repeat` rounds of one timed run each, in the given order."""
    for target in targets:
        drive_once(target, options.warmup, options, generator)
    measured = [Measurement() for _ in targets]
    for _ in range(max(1, options.repeat)):
        for target, runs in zip(targets, measured, strict=True):
            runs.runs.append(drive_once(target, options.duration, options, generator))
    return measured


def _unit(measured: Measurement) -> str:
    latency = measured.median.latency_ms
    return f"req/s (p50 {latency.get('p50', 0):.0f} ms, p99 {latency.get('p99', 0):.0f} ms)"


def _rates(measured: Measurement) -> str:
    return " / ".join(f"{r.rps:,.1f}" for r in measured.runs)


def measure_on(
    dialect: str, server_url: str | None, options: Options, generator: str, peer: Target | None
) -> tuple[Measurement, Measurement, Measurement | None, Organisation]:
    """Our two pages on one database, alternating with Kolibri's class summary if given."""
    with temporary_database(dialect, server_url) as database_url:
        organisation = prepare_database(database_url, options.quick)
        env = {
            "ACADEMY_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "TRUSTED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url,
            # Production asks HR for a second factor. After a sign-in with one, each request's
            # gate returns on the session's "shown" marker; with none required it returns one
            # line earlier. Neither touches the database, so the pages cost the same.
            "MFA_REQUIRED_ROLES": "",
        }
        with gunicorn("app:create_app()", env, "/login") as base:
            cookie = sign_in(int(base.rsplit(":", 1)[1]), HR_USER, HR_PASSWORD)
            report_path = f"/reports/units/{organisation.root_code}"
            ours = [
                Target(base + report_path, {"Cookie": cookie}, REPORT_EXPECT),
                Target(f"{base}{report_path}/learners", {"Cookie": cookie}, LEARNERS_EXPECT),
            ]
            measured = measure_round_robin(([peer] if peer else []) + ours, options, generator)
    kolibri_runs = measured.pop(0) if peer else None
    report, learners = measured
    log(
        f"peer [{dialect}]: unit report {_rates(report)} req/s, learner list {_rates(learners)}"
        + (f", Kolibri class summary {_rates(kolibri_runs)}" if kolibri_runs else "")
        + f" ({generator})"
    )
    return report, learners, kolibri_runs, organisation


def run(options: Options) -> list[Result]:
    """Kolibri's class summary and our two pages on each database; rows per database."""
    results: list[Result] = []
    try:
        folder = peer_dir()
        generator = load.choose_generator(options.load_generator)
    except RuntimeError as error:
        return [Result.failure("peer: Kolibri coach class summary", "req/s", "", error)]
    with kolibri(folder) if folder else _no_peer() as peer:
        for dialect, server_url in database_targets(options):
            load_before = os.getloadavg()[0]
            report_name = f"peer: HR unit report page, gunicorn -w 2 [{dialect}]"
            try:
                report, learners, peer_runs, organisation = measure_on(
                    dialect, server_url, options, generator, peer
                )
            except Exception as error:  # report it in the table and go on with the others
                results.append(Result.failure(report_name, "req/s", GOAL, error))
                continue
            common = {
                "generator": generator,
                "concurrency": options.concurrency,
                "duration_s": options.duration,
                "warmup_s": options.warmup,
                "organisation": organisation.__dict__,
                "load_average_1min": [load_before, os.getloadavg()[0]],
            }
            baseline = peer_runs.median.rps if peer_runs else None
            label = "Kolibri class summary" if peer_runs else ""
            if peer_runs:
                results.append(
                    Result(
                        name=f"peer: Kolibri coach class summary, stock server [{dialect} run]",
                        figure=peer_runs.median.rps,
                        unit=_unit(peer_runs),
                        details={**common, "url": peer.url, "runs": peer_runs.details()},
                    )
                )
            else:
                results.append(
                    Result(
                        name=f"peer: Kolibri coach class summary [{dialect} run]",
                        figure=float("nan"),
                        unit=NOT_MEASURED,
                    )  # fmt: skip
                )
            results.append(
                Result(
                    name=report_name,
                    figure=report.median.rps,
                    unit=_unit(report),
                    baseline=baseline,
                    baseline_label=label,
                    goal=GOAL if peer_runs else "",
                    details={**common, "runs": report.details()},
                )
            )
            results.append(
                Result(
                    name=f"peer: learner list, first page [{dialect}]",
                    figure=learners.median.rps,
                    unit=_unit(learners),
                    baseline=baseline,
                    baseline_label=label,
                    details={**common, "runs": learners.details()},
                )
            )
    return results


@contextmanager
def _no_peer() -> Iterator[None]:
    log(f"Kolibri: {NOT_MEASURED}")
    yield None
