"""Check course folders and format the result like a compiler: `path:line: error: message`."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from app.content.model import CourseSource, Problem, display_path
from app.content.parser import parse_catalogue, parse_course
from app.content.validate import validate_catalogue


@dataclass(frozen=True)
class CheckReport:
    """The courses found under the checked paths and every problem, sorted by file and line."""

    courses: tuple[CourseSource, ...]
    problems: tuple[Problem, ...]

    @property
    def lesson_count(self) -> int:
        """Lessons in all checked courses."""
        return sum(1 for course in self.courses for _ in course.lessons())

    @property
    def question_count(self) -> int:
        """Questions in all checked courses, pool questions included."""
        return sum(1 for course in self.courses for _ in course.questions())

    @property
    def error_count(self) -> int:
        """Problems that stop a course from being imported."""
        return sum(1 for p in self.problems if p.severity == "error")

    @property
    def warning_count(self) -> int:
        """Problems worth a look that do not stop an import."""
        return sum(1 for p in self.problems if p.severity == "warning")

    @property
    def info_count(self) -> int:
        """Notes on what the checker filled in (an estimated `minutes`); never a problem."""
        return sum(1 for p in self.problems if p.severity == "info")

    @property
    def exit_code(self) -> int:
        """1 when there is any error, else 0."""
        return 1 if self.error_count else 0

    def errors_in(self, course: CourseSource) -> list[Problem]:
        """The errors reported for files of `course` (what keeps a sync from importing it)."""
        root = course.path.resolve()
        return [
            p
            for p in self.problems
            if p.severity == "error" and _resolved(p.path).is_relative_to(root)
        ]


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, ValueError):
        return path


def check_paths(paths: Iterable[str | os.PathLike[str]]) -> CheckReport:
    """Parse and validate each path: a folder of courses, or one course folder (with course.md)."""
    courses: dict[Path, CourseSource] = {}
    found: list[Problem] = []
    for given in paths:
        path = Path(given)
        if path.is_file() and path.name == "course.md":
            path = path.parent
        if (path / "course.md").is_file():
            course, problems = parse_course(path)
            batch = [course] if course is not None else []
        elif path.is_dir():
            batch, problems = parse_catalogue(path)
        else:
            what = "is a file" if path.exists() else "does not exist"
            problems = [
                Problem(
                    path,
                    1,
                    "error",
                    f"{what}; give a folder of courses or a course folder (one with a course.md)",
                )
            ]
            batch = []
        found.extend(problems)
        for course in batch:
            # The same course reached through two paths is checked once.
            courses.setdefault(_resolved(course.path), course)
    found.extend(validate_catalogue(list(courses.values())))
    unique = list(dict.fromkeys(found))
    unique.sort(key=lambda p: (display_path(p.path), p.line))
    return CheckReport(tuple(courses.values()), tuple(unique))


def format_problem(problem: Problem) -> str:
    """One problem as `path:line: error: message` (or `warning:`, or `info:`)."""
    return f"{display_path(problem.path)}:{problem.line}: {problem.severity}: {problem.message}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(report: CheckReport) -> str:
    """`Checked 2 courses, 17 lessons, 40 questions: 0 errors, 1 warning.`

    Info lines are counted after a semicolon, and only when there are any: they are no
    problems, so the counts that decide the exit code read the same with or without them.
    """
    notes = f"; {_plural(report.info_count, 'info line')}" if report.info_count else ""
    return (
        f"Checked {_plural(len(report.courses), 'course')},"
        f" {_plural(report.lesson_count, 'lesson')},"
        f" {_plural(report.question_count, 'question')}:"
        f" {_plural(report.error_count, 'error')}, {_plural(report.warning_count, 'warning')}"
        f"{notes}."
    )


def format_report(report: CheckReport) -> str:
    """Every problem on its own line, then the summary line."""
    return "\n".join([*(format_problem(p) for p in report.problems), summary_line(report)])
