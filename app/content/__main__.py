"""`python -m app.content [PATH ...]`: check course folders without starting Flask."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from app.content.check import check_paths, format_report


def main(argv: Sequence[str] | None = None) -> int:
    """Check the given paths (default `courses`), print the report and return the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m app.content",
        description="Check course folders and report problems as path:line: error: message.",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        default=["courses"],
        metavar="PATH",
        help="a folder of courses or one course folder (with course.md); default: courses",
    )
    args = parser.parse_args(argv)
    report = check_paths(args.paths)
    print(format_report(report))
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
