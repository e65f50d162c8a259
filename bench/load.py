"""Load generators: wrk when it is installed, else a small multi-process Python client.

Both open `concurrency` connections to one URL on 127.0.0.1 for a fixed time, send the same
headers on every request, and count a response as good only when its status is 200 and its
body contains an expected text (so a redirect to the sign-in page can never pass as a lesson).
The machine has few cores and the generator competes with the server for them, so both are kept
lean: wrk runs one thread, the Python client two processes of blocking threads.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from urllib.parse import urlsplit

# wrk's Lua hooks: check every response, add up the bad ones over all threads, print one line.
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) needle = args[1]; bad = 0 end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, needle, 1, true) then bad = bad + 1 end
end
function done(summary, latency, requests)
  local total_bad = 0
  for _, thread in ipairs(threads) do total_bad = total_bad + thread:get("bad") end
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d bad=%d socket_errors=%d p50_us=%d p99_us=%d\\n",
    summary.requests, summary.duration, total_bad,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""
WRK_RESULT_RE = re.compile(r"^BENCH_RESULT (.*)$", re.MULTILINE)


@dataclass(frozen=True)
class LoadResult:
    """What one timed run of a load generator saw."""

    generator: str
    requests: int
    seconds: float
    bad: int
    socket_errors: int
    latency_ms: dict[str, float] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        """Good responses per second."""
        return (self.requests - self.bad) / self.seconds if self.seconds else 0.0


def choose_generator(preference: str) -> str:
    """`wrk` or `python`: wrk when asked for or (auto) when it is on the PATH."""
    if preference == "wrk" and shutil.which("wrk") is None:
        raise RuntimeError(
            "wrk is not installed (apt-get install wrk), use --load-generator python"
        )
    if preference == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    return preference


def drive(
    generator: str,
    url: str,
    *,
    headers: dict[str, str],
    expect: str,
    seconds: float,
    concurrency: int,
) -> LoadResult:
    """Load `url` for `seconds` with `concurrency` connections and return what was seen."""
    if generator == "wrk":
        return _drive_wrk(url, headers, expect, seconds, concurrency)
    return _drive_python(url, headers, expect, seconds, concurrency)


def _drive_wrk(
    url: str, headers: dict[str, str], expect: str, seconds: float, concurrency: int
) -> LoadResult:
    """One wrk run with the checking Lua script; parses the line its `done` hook prints."""
    # wrk takes whole seconds.
    duration = max(1, round(seconds))
    with tempfile.TemporaryDirectory(prefix="academy-bench-wrk-") as folder:
        script = Path(folder) / "check.lua"
        script.write_text(WRK_SCRIPT)
        command = ["wrk", "-t1", f"-c{concurrency}", f"-d{duration}s", "--timeout", "10s"]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        command += ["-s", str(script), url, "--", expect]
        finished = subprocess.run(
            command, capture_output=True, text=True, timeout=duration + 30, check=False
        )
    match = WRK_RESULT_RE.search(finished.stdout)
    if finished.returncode != 0 or match is None:
        raise RuntimeError(
            f"wrk failed ({finished.returncode}):\n{finished.stdout}{finished.stderr}"
        )
    fields = dict(pair.split("=") for pair in match.group(1).split())
    return LoadResult(
        generator="wrk",
        requests=int(fields["requests"]),
        seconds=int(fields["duration_us"]) / 1e6,
        bad=int(fields["bad"]),
        socket_errors=int(fields["socket_errors"]),
        latency_ms={
            "p50": int(fields["p50_us"]) / 1000,
            "p99": int(fields["p99_us"]) / 1000,
        },
    )


def _drive_python(
    url: str, headers: dict[str, str], expect: str, seconds: float, concurrency: int
) -> LoadResult:
    """One run of the built-in client: `concurrency` threads spread over two processes."""
    # Threads block on the socket most of the time; two processes keep the GIL from capping
    # the request rate without taking more cores than the machine has.
    processes = max(1, min(2, concurrency, os.cpu_count() or 1))
    shares = [concurrency // processes + (i < concurrency % processes) for i in range(processes)]
    deadline = time.time() + seconds
    with ProcessPoolExecutor(processes, mp_context=get_context("fork")) as pool:
        futures = [
            pool.submit(_client_process, url, headers, expect, deadline, share) for share in shares
        ]
        counts = [f.result(timeout=seconds + 60) for f in futures]
    requests = sum(c[0] for c in counts)
    latencies = sorted(latency for c in counts for latency in c[3])
    return LoadResult(
        generator="python",
        requests=requests,
        seconds=seconds,
        bad=sum(c[1] for c in counts),
        socket_errors=sum(c[2] for c in counts),
        latency_ms=_percentiles(latencies),
    )


def _percentiles(latencies: list[float]) -> dict[str, float]:
    if not latencies:
        return {}
    return {
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
    }


def _client_process(
    url: str, headers: dict[str, str], expect: str, deadline: float, threads: int
) -> tuple[int, int, int, list[float]]:
    """One process of the Python generator: `threads` blocking clients until `deadline`."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    needle = expect.encode()
    lock = threading.Lock()
    totals = [0, 0, 0]
    latencies: list[float] = []

    def client() -> None:
        done = bad = errors = 0
        seen: list[float] = []
        while time.time() < deadline:
            started = time.perf_counter()
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
            except OSError:
                errors += 1
                continue
            finally:
                connection.close()
            seen.append(time.perf_counter() - started)
            done += 1
            bad += response.status != 200 or needle not in body
        with lock:
            totals[0] += done
            totals[1] += bad
            totals[2] += errors
            latencies.extend(seen)

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return totals[0], totals[1], totals[2], latencies
