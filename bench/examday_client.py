"""The exam-day load generator: N learners in one asyncio process, raw HTTP/1.1 to 127.0.0.1.

Each learner has its own session cookie and its own connection (kept alive when the server
allows; gunicorn's sync workers close every connection, so the learner reconnects as a browser
would). Its script, with the times drawn at random per learner:

1. at a moment within the start window: GET the test's start page (the rules and Start);
2. POST Start (the attempt opens, the clock runs), then GET the quiz page it redirects to;
3. while "answering": POST a heartbeat every `heartbeat_s`, as static/js/lesson.js does;
4. at a random time before the deadline: POST the answers, then GET the result page.

Every request is timed from before it connects to the last byte of the body, and every response
is checked (status, redirect target, a text the right page contains); anything else is an error
and that learner stops. The wave stops early once its verdict is certain: on the first error, or
when more than 5% of a request type's known count has already taken a second or more (its p95
can then only be over a second). Nothing here is shared with the server process but the socket.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

KINDS = ("start page", "attempt open", "quiz page", "heartbeat", "submit", "result page")
SLOW_SECONDS = 1.0
SLOW_SHARE = 0.05  # p95 < 1 s allows at most this share of slow responses
REQUEST_TIMEOUT = 30.0
COOKIE_NAME = "__Host-academy_session"  # the production name

CSRF_META = re.compile(rb'<meta name="csrf-token" content="([^"]+)"')
ATTEMPT_TOKEN = re.compile(rb'name="attempt_token" value="([^"]+)"')
QUESTION_INPUT = re.compile(rb'<input type="(radio|checkbox|text)"[^>]*? name="(q-[^"]+)"')
# What each kind of question in the bench's pool takes as a right and a wrong answer (the pool
# is written by examday_setup.write_course: its question ids name their kind).
ANSWERS = {
    "single": (["1"], ["2"]),
    "multiple": (["1", "2", "4"], ["3"]),
    "truefalse": (["false"], ["true"]),
    "short": (["data catalogue"], ["data lake"]),
    "numeric": (["86400"], ["3600"]),
}
RIGHT_ANSWER_CHANCE = 0.85


class UnexpectedResponseError(Exception):
    """A response was not what a browser taking the test should get: the learner stops."""


@dataclass(frozen=True)
class Plan:
    """The test and the timing of the wave (seconds)."""

    lesson_path: str  # /courses/<id>/lessons/<id>
    window_s: float  # learners open the test within this many seconds of the start
    heartbeat_s: float
    answer_min_s: float  # a learner submits this long after opening at the earliest...
    answer_max_s: float  # ...and at the latest (before the deadline)

    @property
    def min_heartbeats(self) -> int:
        """Heartbeats every learner sends at least."""
        return int(self.answer_min_s // self.heartbeat_s)

    @property
    def hard_stop_s(self) -> float:
        """When the wave is given up, counted from its start: the last learner's submission
        plus room for a slow server."""
        return self.window_s + self.answer_max_s + 45.0


@dataclass(frozen=True)
class Response:
    """What one request got back."""

    status: int
    headers: dict[str, str]
    cookies: list[str]
    body: bytes


class Connection:
    """One learner's HTTP/1.1 connection to 127.0.0.1, reopened whenever the server closed it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.opened = 0

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> Response:
        """Send one request and read its whole response."""
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        data = f"{head}Content-Length: {len(body)}\r\n\r\n".encode("latin-1") + body
        for retry in (False, True):
            reused = self.writer is not None and not self.reader.at_eof()  # type: ignore[union-attr]
            if not reused:
                self.close()
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
                self.opened += 1
            try:
                self.writer.write(data)  # type: ignore[union-attr]
                return await self._read()
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                # A kept-alive connection the server closed while idle: browsers retry once.
                if not reused or retry:
                    raise
        raise AssertionError("unreachable")

    async def _read(self) -> Response:
        assert self.reader is not None
        lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        cookies: list[str] = []
        for line in lines[1:]:
            if not line:
                continue
            name, _sep, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookies.append(value)
            headers[name] = value
        if "chunked" in headers.get("transfer-encoding", ""):
            raise ValueError("a chunked response (the app sends none on these pages)")
        body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return Response(status, headers, cookies, body)

    def close(self) -> None:
        """Drop the connection (the next request opens a new one)."""
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Stats:
    """Latencies, errors and slow responses per request type, as the wave goes."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    slow: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    error_samples: list[str] = field(default_factory=list)

    def record(self, kind: str, seconds: float) -> None:
        """One good response of `kind`."""
        self.latencies[kind].append(seconds)
        self.slow[kind] += seconds >= SLOW_SECONDS

    def error(self, kind: str, message: str) -> None:
        """One failed request of `kind` (the first few messages are kept)."""
        self.errors[kind] += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(f"{kind}: {message}")

    @property
    def error_count(self) -> int:
        """Failed requests of every type."""
        return sum(self.errors.values())

    def summary(self) -> dict[str, dict[str, float]]:
        """Per type: count, errors, p50/p95/p99/max in milliseconds."""
        return {
            kind: {
                "count": len(values),
                "errors": self.errors[kind],
                **{f"p{q}_ms": percentile(values, q) * 1000 for q in (50, 95, 99)},
                "max_ms": max(values, default=0.0) * 1000,
            }
            for kind, values in self.latencies.items()
        }


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (nearest rank) of `values`; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(len(ordered) * q / 100 + 0.5) - 1))]


@dataclass
class Learner:
    """One simulated learner: who they are to the server, and what they got done."""

    user_id: int
    cookie: str  # the session cookie's value
    start_s: float = 0.0  # when, after the wave's start, they open the test
    heartbeats: int = 0
    submitted: bool = False
    connections: int = 0


class _Browser:
    """A learner's browser: its cookie and connection; times and checks every request."""

    def __init__(self, learner: Learner, port: int, stats: Stats) -> None:
        self.learner, self.stats = learner, stats
        self.connection = Connection(port)

    async def call(
        self,
        kind: str,
        method: str,
        path: str,
        ok: Callable[[Response], object],
        what: str,
        *,
        form: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """One request; the learner stops (an error of `kind`) unless `ok(response)`."""
        sent = {"Cookie": f"{COOKIE_NAME}={self.learner.cookie}", "User-Agent": "examday-bench"}
        sent.update(headers or {})
        if form is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        body = urlencode(form or []).encode()
        started = time.perf_counter()
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                response = await self.connection.request(method, path, sent, body)
        except (OSError, ValueError, asyncio.IncompleteReadError, TimeoutError) as failure:
            self.connection.close()
            self.stats.error(kind, f"{type(failure).__name__}: {failure}")
            raise UnexpectedResponseError from failure
        finally:
            self.learner.connections = self.connection.opened
        self.stats.record(kind, time.perf_counter() - started)
        for header in response.cookies:
            name, _sep, rest = header.partition("=")
            if name == COOKIE_NAME:
                self.learner.cookie = rest.split(";", 1)[0]
        if not ok(response):
            where = response.headers.get("location", "")
            self.stats.error(kind, f"{response.status} {where} instead of {what}")
            raise UnexpectedResponseError
        return response


def answers_for(fields: list[str], rng: random.Random) -> list[tuple[str, str]]:
    """Answers to the quiz page's questions: mostly right, as a learner who studied would."""
    form = []
    for name in fields:
        right, wrong = ANSWERS[name.split("-")[2]]  # q-final-<kind>-<n>
        chosen = right if rng.random() < RIGHT_ANSWER_CHANCE else wrong
        form += [(name, value) for value in chosen]
    return form


def _redirect_to(target: str) -> Callable[[Response], bool]:
    return lambda r: r.status == 302 and target in r.headers.get("location", "")


async def take_test(
    learner: Learner, plan: Plan, port: int, stats: Stats, t0: float, rng: random.Random
) -> None:
    """One learner's exam, from the start page to the result page."""
    loop = asyncio.get_running_loop()
    browser, lesson = _Browser(learner, port, stats), plan.lesson_path
    try:
        await asyncio.sleep(max(0.0, t0 + learner.start_s - loop.time()))
        page = await browser.call(
            "start page",
            "GET",
            lesson,
            lambda r: r.status == 200 and b"/quiz/start" in r.body and CSRF_META.search(r.body),
            "the start page",
        )
        token = CSRF_META.search(page.body)[1].decode()  # type: ignore[index]
        csrf = [("csrf_token", token)]
        await browser.call(
            "attempt open",
            "POST",
            f"{lesson}/quiz/start",
            _redirect_to(f"{lesson}#quiz"),
            "a redirect to the quiz",
            form=csrf,
        )
        quiz = await browser.call(
            "quiz page",
            "GET",
            lesson,
            lambda r: (
                r.status == 200 and ATTEMPT_TOKEN.search(r.body) and QUESTION_INPUT.search(r.body)
            ),
            "the quiz form",
        )
        attempt = ATTEMPT_TOKEN.search(quiz.body)[1].decode()  # type: ignore[index]
        fields = list(dict.fromkeys(m[2].decode() for m in QUESTION_INPUT.finditer(quiz.body)))
        started = loop.time()
        submit_at = started + rng.uniform(plan.answer_min_s, plan.answer_max_s)
        beat_at = started + plan.heartbeat_s
        while beat_at < submit_at:
            await asyncio.sleep(max(0.0, beat_at - loop.time()))
            await browser.call(
                "heartbeat",
                "POST",
                f"{lesson}/heartbeat",
                lambda r: r.status == 200 and b'"seconds"' in r.body,
                "the heartbeat's JSON",
                headers={"X-CSRFToken": token},
            )
            learner.heartbeats += 1
            beat_at += plan.heartbeat_s
        await asyncio.sleep(max(0.0, submit_at - loop.time()))
        answers = [*csrf, ("attempt_token", attempt), *answers_for(fields, rng)]
        sent = await browser.call(
            "submit",
            "POST",
            f"{lesson}/quiz",
            _redirect_to(f"{lesson}/attempts/"),
            "a redirect to the result",
            form=[*answers, ("confirm_incomplete", "1")],
        )
        await browser.call(
            "result page",
            "GET",
            sent.headers["location"],
            lambda r: r.status == 200 and b"result-summary" in r.body,
            "the result page",
        )
        learner.submitted = True
    except UnexpectedResponseError:
        pass
    finally:
        browser.connection.close()


@dataclass
class Wave:
    """What one wave of learners saw."""

    stats: Stats
    learners: list[Learner]
    seconds: float
    client_cpu_s: float
    stopped: str | None  # why the wave was stopped early, if it was

    @property
    def submitted(self) -> int:
        """Learners who saw their result page."""
        return sum(learner.submitted for learner in self.learners)


def _verdict_is_certain(stats: Stats, expected: dict[str, int]) -> str | None:
    if stats.error_count:
        return f"{stats.error_count} error(s): {stats.error_samples[0]}"
    for kind, count in expected.items():
        if count and stats.slow[kind] > SLOW_SHARE * count:
            share = f"{SLOW_SHARE:.0%} of {count}"
            return f"over {share} {kind} requests took {SLOW_SECONDS:.0f} s or more"
    return None


async def _wave(learners: list[Learner], plan: Plan, port: int, seed: int, judged: bool) -> Wave:
    loop = asyncio.get_running_loop()
    rng = random.Random(seed)
    for learner in learners:
        learner.start_s = rng.uniform(0, plan.window_s)
    stats = Stats()
    expected = dict.fromkeys(KINDS, len(learners)) | {
        "heartbeat": len(learners) * plan.min_heartbeats
    }
    cpu, t0 = time.process_time(), loop.time()
    tasks = [
        asyncio.create_task(take_test(learner, plan, port, stats, t0, random.Random(rng.random())))
        for learner in learners
    ]
    stopped = None
    while not all(task.done() for task in tasks):
        await asyncio.sleep(0.25)
        stopped = _verdict_is_certain(stats, expected if judged else {})
        if stopped is None and loop.time() - t0 > plan.hard_stop_s:
            stopped = f"not finished {plan.hard_stop_s:.0f} s after the start"
        if stopped:
            for task in tasks:
                task.cancel()
            break
    await asyncio.gather(*tasks, return_exceptions=True)
    return Wave(stats, learners, loop.time() - t0, time.process_time() - cpu, stopped)


def run_wave(
    learners: list[Learner], plan: Plan, port: int, seed: int, *, judged: bool = True
) -> Wave:
    """Let `learners` take the test against the server on 127.0.0.1:`port`; bounded in time.

    Not `judged` (a warm-up), only an error stops it early, not slow responses."""
    return asyncio.run(_wave(learners, plan, port, seed, judged))
