"""Fixtures that build small course folders in tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from app.content.check import check_paths

COURSE_MD = """\
---
id: course-a
title: Course A
summary: A small course for tests.
language: en
credit_hours: 2
status: published
tags: [testing]
---

Overview of course A.
"""

MODULE_MD = """\
---
id: basics
title: The basics
---

Introduction.
"""

LESSON_MD = """\
---
title: First lesson
minutes: 10
---

Some text.

::: quiz
id: q-first
type: single

Pick one.

- [x] right
- [ ] wrong
:::
"""

BASE_TREE = {
    "course.md": COURSE_MD,
    "01-basics/module.md": MODULE_MD,
    "01-basics/01-first.md": LESSON_MD,
}

BuildCourse = Callable[..., Path]


def write_tree(root: Path, files: dict[str, str | bytes | None]) -> None:
    """Write `files` (relative path -> text, bytes, or None to leave out) below `root`."""
    for relative, content in files.items():
        if content is None:
            continue
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


@pytest.fixture
def build_course(tmp_path: Path) -> BuildCourse:
    """Build a valid course folder, with `files` replacing (or, as None, removing) its files."""

    def build(files: dict[str, str | bytes | None] | None = None, name: str = "course-a") -> Path:
        root = tmp_path / name
        write_tree(root, {**BASE_TREE, **(files or {})})
        return root

    return build


ProblemRows = Callable[..., list[tuple[str, int, str, str]]]


@pytest.fixture
def problems_of(tmp_path: Path) -> ProblemRows:
    """A function: check paths, return (path relative to tmp_path, line, severity, message)
    for each problem, in report order."""

    def rows(*paths: Path) -> list[tuple[str, int, str, str]]:
        report = check_paths(paths)
        return [
            (p.path.relative_to(tmp_path).as_posix(), p.line, p.severity, p.message)
            for p in report.problems
        ]

    return rows
