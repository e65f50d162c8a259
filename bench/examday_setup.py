"""What the exam-day benchmark builds around the server: its course, its learners, gunicorn.

The learners are written in bulk, as learners who studied the course and signed in a few
minutes before the test: the rows `app.auth.sessions.start_session` writes at sign-in (a login
session) and the cookie it gives the browser, signed with the server's key. Signing in
thousands of learners through the form instead would spend minutes in argon2 and in the
per-address sign-in throttle before the clock starts, and measure neither.
"""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.bench_sync import _question
from bench.common import ROOT, free_port
from bench.examday_client import Learner

# README, "Running in production": gunicorn -w 4 (sync workers); BENCH_EXAMDAY_WORKERS=N
# tries another count.
WORKERS = int(os.environ.get("BENCH_EXAMDAY_WORKERS") or 4)
COURSE, LESSON = "bench-examday", "closing-test"
LESSON_PATH = f"/courses/{COURSE}/lessons/{LESSON}"
POOL_KINDS = ("single", "multiple", "truefalse", "short", "numeric")
POOL_PER_KIND, DRAW = 6, 10
SERVER_START_SECONDS = 30


@dataclass(frozen=True)
class Server:
    """A running academy: its port, the master's pid, and its log (warnings and errors)."""

    port: int
    pid: int
    log_path: Path

    def log_lines(self, start: int) -> tuple[list[str], int]:
        """The log's lines from byte `start` on, and where it ends now."""
        with self.log_path.open("rb") as log_file:
            log_file.seek(start)
            text = log_file.read()
        return text.decode("utf-8", "replace").splitlines(), start + len(text)


# -- the course ---------------------------------------------------------------------------


def write_course(root: Path, time_limit_minutes: int) -> Path:
    """Two reading lessons and a timed closing test drawn from a pool of 30 questions."""
    folder = root / COURSE
    module = folder / "01-exam"
    module.mkdir(parents=True)
    (folder / "pools").mkdir()
    (folder / "course.md").write_text(
        f"---\nid: {COURSE}\ntitle: Exam day benchmark\nsummary: A closing test for everyone at"
        " once.\nlanguage: en\ncredit_hours: 2\nstatus: published\ntags: [benchmark]\n---\n\n"
        "Two lessons, then the closing test.\n",
        encoding="utf-8",
    )
    for number, title in ((1, "Data is a resource"), (2, "Sharing between bureaus")):
        (module / f"0{number}-read-{number}.md").write_text(
            f"---\ntitle: {title}\nminutes: 10\n---\n\nRead this before the test.\n",
            encoding="utf-8",
        )
    (module / f"03-{LESSON}.md").write_text(
        f"---\ntitle: Closing test\nminutes: 20\ndraw: [{{pool: final, count: {DRAW}}}]\n"
        "pass_percent: 80\nmax_attempts: 3\nshuffle: true\nshow_answers: after_final\n"
        f"requires: all\ntime_limit_minutes: {time_limit_minutes}\n---\n\n"
        "Ten questions drawn from the course's pool; the clock starts when you press Start.\n",
        encoding="utf-8",
    )
    pool = [
        _question(kind, f"final-{kind}-{n}", n)
        for kind in POOL_KINDS
        for n in range(1, POOL_PER_KIND + 1)
    ]
    (folder / "pools" / "final.md").write_text("\n\n".join(pool) + "\n", encoding="utf-8")
    return folder


# -- learners who studied the course and signed in ----------------------------------------


def add_learners(app: Any, group: str, count: int) -> list[Learner]:
    """`count` learners in one transaction: user, role, enrollment with both reading lessons
    completed, a login session signed in 0-4 minutes ago, and that session's cookie."""
    from sqlalchemy import insert, select

    from app.auth.login_sessions import sid_hash
    from app.db import db
    from app.models import Course, Enrollment, Lesson, LessonProgress, LoginSession, User, UserRole

    now = datetime.now(UTC)
    serializer = app.session_interface.get_signing_serializer(app)
    prefix = f"exam-{group}-"
    session = db.new_session()
    try:
        course_id = session.scalar(select(Course.id).where(Course.slug == COURSE))
        readings = list(
            session.scalars(
                select(Lesson.id)
                .where(Lesson.course_id == course_id, Lesson.has_quiz.is_(False))
                .order_by(Lesson.position)
            )
        )
        session.execute(
            insert(User.__table__),
            [
                {
                    "username": f"{prefix}{n:06d}",
                    "full_name": f"Learner {group} {n}",
                    "session_token": secrets.token_urlsafe(24),
                    "created_at": now - timedelta(days=30),
                }
                for n in range(count)
            ],
        )
        users = session.execute(
            select(User.id, User.session_token)
            .where(User.username.startswith(prefix))
            .order_by(User.id)
        ).all()
        signed_in = {
            user_id: now - timedelta(seconds=secrets.randbelow(240)) for user_id, _ in users
        }
        sids = {user_id: secrets.token_urlsafe(24) for user_id, _ in users}
        started = now - timedelta(days=7)
        session.execute(
            insert(UserRole.__table__), [{"user_id": u, "role": "learner"} for u, _ in users]
        )
        session.execute(
            insert(Enrollment.__table__),
            [
                {
                    "user_id": u,
                    "course_id": course_id,
                    "status": "in_progress",
                    "completed_lessons": len(readings),
                    "percent": round(len(readings) * 100 / (len(readings) + 1), 1),
                    "started_at": started,
                    "last_lesson_id": readings[-1],
                    "last_activity_at": started,
                    "created_at": started,
                }
                for u, _ in users
            ],
        )
        session.execute(
            insert(LessonProgress.__table__),
            [
                {
                    "user_id": u,
                    "lesson_id": lesson_id,
                    "course_id": course_id,
                    "first_viewed_at": started,
                    "completed_at": started,
                    "seconds_spent": 600,
                }
                for u, _ in users
                for lesson_id in readings
            ],
        )
        session.execute(
            insert(LoginSession.__table__),
            [
                {
                    "user_id": u,
                    "sid_hash": sid_hash(sids[u]),
                    "address": "127.0.0.1",
                    "user_agent": "examday-bench",
                    "created_at": signed_in[u],
                    "last_seen_at": signed_in[u],
                }
                for u, _ in users
            ],
        )
        session.commit()
    finally:
        session.close()
    learners = []
    for user_id, token in users:
        at = int(signed_in[user_id].timestamp())
        # What app.auth.sessions.start_session and Flask-Login put in the cookie at sign-in,
        # plus the CSRF secret the first page after sign-in stores.
        cookie = serializer.dumps(
            {
                "_user_id": f"{user_id}:{token}",
                "_fresh": True,
                "sid": sids[user_id],
                "login_at": at,
                "seen_at": at,
                "touched_at": at,
                "csrf_token": secrets.token_hex(20),
            }
        )
        learners.append(Learner(user_id, cookie))
    return learners


# -- gunicorn -----------------------------------------------------------------------------


@contextmanager
def academy_server(database_url: str, secret_key: str) -> Iterator[Server]:
    """`gunicorn -w 4 'app:create_app()'` in production mode on a free port of 127.0.0.1;
    the server is always stopped, its workers with it."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}"]
    command += ["--log-level", "warning", "app:create_app()"]
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TZ")}
    env |= {
        "ACADEMY_ENV": "production",
        "SECRET_KEY": secret_key,
        "TRUSTED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
    }
    with tempfile.TemporaryDirectory(prefix="academy-bench-examday-log-") as folder:
        log_path = Path(folder) / "gunicorn.log"
        # Its own append-only handle: the server writes while the bench reads.
        with log_path.open("ab") as server_log:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=server_log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_until_idle(port, SERVER_START_SECONDS, process, log_path)
            yield Server(port, process.pid, log_path)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def wait_until_idle(
    port: int,
    seconds: float,
    process: subprocess.Popen[bytes] | None = None,
    log_path: Path | None = None,
) -> None:
    """Wait until /login answers within 0.2 s (the server is up, or done with a stopped wave)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            output = log_path.read_text(errors="replace") if log_path else ""
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{output}")
        started = time.monotonic()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/login")
            status = connection.getresponse().status
            connection.close()
            if status == 200 and time.monotonic() - started < 0.2:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the server on port {port} was not idle within {seconds:.0f} s")


def database_cpu(app: Any) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving the bench's database (the server
    runs on this machine); empty on SQLite, whose work is done inside the app's workers."""
    from sqlalchemy import text

    from app.db import db

    if db.engine is None or db.engine.dialect.name != "postgresql":
        return {}
    with db.engine.connect() as connection:
        pids = connection.scalars(
            text(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).all()
    return {pid: _own_cpu(pid) for pid in pids}


def _own_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and its live children (and its reaped ones), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid:
            total += sum(int(f) for f in fields[11:15]) / ticks
        elif int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total
