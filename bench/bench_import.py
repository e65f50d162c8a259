"""Users import: 1,000 new users from a GB18030 CSV, through `flask --app app users import`.

The database gets a generated organisation of 200 units (`app.demo.organisation`, no learners).
Each run writes a CSV of 1,000 new users (`username,full_name,email,unit_code,roles`, Chinese
names, GB18030 as Chinese Excel saves it; every 50th user is also hr) and runs the command
itself through Flask's CLI runner with `--codes-out`: reading and checking the file, the bulk
writes, one activation code per user (HMAC-hashed, no password hashing), the codes file and
the commit. A run fails unless the command succeeds and the codes file has 1,000 rows. Each
run uses new usernames, so every run creates 1,000 users; the median of `repeat` runs counts.

Goal (issue 6): 1,000 new users in under 5 seconds.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from bench.bench_reports import named_database
from bench.common import (
    PG_BENCH_DATABASE,
    Options,
    Result,
    bench_app,
    database_targets,
    dispose,
    log,
)

NAME = "import"
USERS = 1_000
GOAL_SECONDS = 5.0
GOAL = "<= 1"
SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = "伟芳娜敏静丽强磊军洋"


def users_csv(run: int, unit_codes: list[str]) -> bytes:
    """1,000 new users for run `run`, encoded in GB18030."""
    lines = ["username,full_name,email,unit_code,roles"]
    for n in range(USERS):
        name = SURNAMES[n % 10] + GIVEN[(n // 10) % 10] + GIVEN[(n // 100) % 10]
        roles = "learner;hr" if n % 50 == 0 else "learner"
        lines.append(
            f"imp{run}-{n:04d},{name},imp{run}-{n:04d}@example.gov.cn,"
            f"{unit_codes[n % len(unit_codes)]},{roles}"
        )
    return ("\r\n".join(lines) + "\r\n").encode("gb18030")


def run_on(dialect: str, server_url: str | None, options: Options) -> Result:
    """Generate the units, then time `repeat` imports of 1,000 new users each."""
    from app.db import db
    from app.demo.organisation import generate_organisation
    from app.models import Unit

    runs = 1 if options.quick else max(options.repeat, 3)
    with named_database(dialect, server_url, f"{PG_BENCH_DATABASE}_import") as url:
        app = bench_app(url)
        try:
            with app.app_context():
                session = db.new_session()
                generate_organisation(session, learners=0, units=200, courses=1, seed=1)
                session.commit()
                codes = list(session.scalars(select(Unit.code).order_by(Unit.id)))
                session.close()
            runner = app.test_cli_runner()
            seconds = []
            with tempfile.TemporaryDirectory(prefix="academy-bench-import-") as folder:
                for run in range(1, runs + 1):
                    source = Path(folder) / f"users-{run}.csv"
                    source.write_bytes(users_csv(run, codes))
                    codes_out = Path(folder) / f"codes-{run}.csv"
                    started = time.perf_counter()
                    result = runner.invoke(
                        args=["users", "import", str(source), "--codes-out", str(codes_out)]
                    )
                    seconds.append(time.perf_counter() - started)
                    if result.exit_code != 0:
                        raise RuntimeError(f"users import failed: {result.output}")
                    rows = codes_out.read_text(encoding="utf-8-sig").strip().splitlines()
                    if f"{USERS} created" not in result.output or len(rows) != USERS + 1:
                        raise RuntimeError(f"unexpected import result: {result.output}")
                    log(f"import [{dialect}]: {USERS} new users in {seconds[-1]:.2f} s")
        finally:
            dispose(app)
    return Result(
        name=f"import: {USERS:,} new users, GB18030 CSV [{dialect}]",
        figure=statistics.median(seconds),
        unit="s",
        baseline=GOAL_SECONDS,
        baseline_label="the 5 s goal",
        goal=GOAL,
        details={"runs_s": seconds},
    )


def run(options: Options) -> list[Result]:
    """The import benchmark on each database."""
    results = []
    for dialect, server_url in database_targets(options):
        try:
            results.append(run_on(dialect, server_url, options))
        except Exception as error:  # report it in the table and go on with the others
            results.append(
                Result.failure(f"import: {USERS:,} new users [{dialect}]", "s", GOAL, error)
            )
    return results
