"""`python -m bench [NAME ...]`: run benchmarks and print one table of results.

NAME is `sync`, `lesson`, `reports`, `quiz`, `import`, `examday` or `peer` (all when none is given).
`--quick` shrinks sizes and durations for a smoke run; `--pg URL` (or TEST_DATABASE_URL) adds
PostgreSQL next to SQLite. The table goes to stdout, progress to stderr, and the results to
bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from bench import (
    bench_examday,
    bench_import,
    bench_lesson_page,
    bench_peer,
    bench_quiz,
    bench_reports,
    bench_sync,
)
from bench.common import Options, Result, format_table, log, write_json

BENCHMARKS: dict[str, Callable[[Options], list[Result]]] = {
    bench_sync.NAME: bench_sync.run,
    bench_lesson_page.NAME: bench_lesson_page.run,
    bench_reports.NAME: bench_reports.run,
    bench_quiz.NAME: bench_quiz.run,
    bench_import.NAME: bench_import.run,
    bench_examday.NAME: bench_examday.run,
    bench_peer.NAME: bench_peer.run,
}


def parse_args(argv: Sequence[str] | None) -> tuple[list[str], Options, bool]:
    """The benchmarks to run, their options, and whether a missed goal should fail the run."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"benchmarks to run: {', '.join(BENCHMARKS)}"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, short runs (smoke)")
    parser.add_argument(
        "--pg",
        metavar="URL",
        default=os.environ.get("TEST_DATABASE_URL") or None,
        help="a PostgreSQL server URL; a database academy_bench is created there and dropped"
        " afterwards (default: TEST_DATABASE_URL, if set)",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="run on PostgreSQL only")
    parser.add_argument("--duration", type=float, help="seconds of load per server (default 10)")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up load (default 2)")
    parser.add_argument("--concurrency", type=int, default=8, help="open connections (8)")
    parser.add_argument(
        "--repeat", type=int, help="timed runs per server; the median counts (default 3)"
    )
    parser.add_argument(
        "--load-generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="wrk if installed (auto), or the built-in Python generator",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    if args.no_sqlite and not args.pg:
        parser.error("--no-sqlite needs --pg URL")
    options = Options(
        quick=args.quick,
        pg_url=args.pg,
        sqlite=not args.no_sqlite,
        duration=args.duration or (3.0 if args.quick else 10.0),
        warmup=args.warmup if args.warmup is not None else (1.0 if args.quick else 2.0),
        concurrency=args.concurrency,
        repeat=args.repeat or (1 if args.quick else 3),
        load_generator=args.load_generator,
    )
    return args.names or list(BENCHMARKS), options, args.strict


def warn_if_busy() -> None:
    """Say so when other work already keeps the cores busy: the figures will be low and noisy."""
    load_average, cores = os.getloadavg()[0], os.cpu_count() or 1
    if load_average > cores / 2:
        log(
            f"the machine is busy (load average {load_average:.1f} on {cores} cores);"
            " for figures worth keeping, run on an otherwise idle machine"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks, print the table and write the JSON.

    Exits 1 when a benchmark could not run, or (with --strict) when a goal was missed.
    """
    names, options, strict = parse_args(argv)
    warn_if_busy()
    results: list[Result] = []
    for name in names:
        log(f"running {name}{' (quick)' if options.quick else ''}")
        results.extend(BENCHMARKS[name](options))
    print(format_table(results))
    log(f"results written to {write_json(results, options)}")
    for result in results:
        if result.error:
            log(f"could not run {result.name}: {result.error}")
    missed = [r.name for r in results if r.met is False]
    if missed:
        log(f"goal missed: {'; '.join(missed)}")
    failed = any(r.error for r in results)
    return 1 if failed or (strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
