"""Whatever a trainer writes, the checker answers with Problems and never raises."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.content.check import check_paths
from app.content.frontmatter import Problems, split_front_matter, split_lines
from app.content.model import Problem
from app.content.parser import parse_lesson_text, parse_pool_text

FRAGMENTS = [
    "---",
    "...",
    "::: quiz",
    ":::quiz",
    ":::",
    "::: note",
    "```",
    "~~~",
    "````md",
    "- [x] right",
    "- [ ] wrong",
    "- [x]",
    "- [v] odd",
    "* [ ] star",
    "  > feedback",
    "> quote",
    "= ",
    "=",
    "= true",
    "= 3.14 +- 0.01",
    "= 1 .. 2",
    "= -1e309",
    "Explanation:",
    "Explanation: because",
    "id: q1",
    "id: Q 1",
    "type: single",
    "type: multiple",
    "type: truefalse",
    "type: short",
    "type: numeric",
    "type: [",
    "points: 0",
    "scoring: partial",
    "case: sensitive",
    "title: T",
    "minutes: 5",
    "minutes: -1",
    "draw: [{pool: p, count: 2}]",
    "draw:\n  - pool: p\n    count: x",
    "shuffle: yes",
    "id: &a [*a]",
    "key: {a: [b, {c: d}]}",
    "? [complex, key]\n: value",
    "!!python/object:os.system x",
    "tags: !!set {a, b}",
    "date: 2024-01-01",
    "'unclosed",
    "\t",
    "",
    "![img](../assets/x.png)",
    "[link](<a b.md>)",
    '<img src="\x00.png">',
    "[ref]: ../../../etc",
    "中文 全角ＡＢＣ",
    "\u2028",
    "\x85",
    "\ufeff",
    "\r",
]

text_piece = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
line = st.one_of(st.sampled_from(FRAGMENTS), text_piece)
document = st.lists(line, max_size=40).map("\n".join)
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_only_problems(problems: list[Problem]) -> None:
    """Every result is a Problem with a 1-based line and a non-empty message."""
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.line >= 1
        assert problem.severity in ("error", "warning", "info")
        assert problem.message


@FUZZ
@given(document)
def test_lesson_text_gives_only_problems(text: str) -> None:
    lesson, problems = parse_lesson_text(text, Path("01-mod/01-lesson.md"))
    assert_only_problems(problems)
    assert lesson.id  # never empty: the file name gives one when the front matter does not


@FUZZ
@given(document)
def test_lesson_with_front_matter_gives_only_problems(text: str) -> None:
    _, problems = parse_lesson_text(f"---\n{text}\n---\nBody\n", Path("01-lesson.md"))
    assert_only_problems(problems)


@FUZZ
@given(document)
def test_front_matter_errors_point_inside_the_file(text: str) -> None:
    problems = Problems()
    lines = split_lines(f"---\n{text}\n---\n")
    split_front_matter(lines, Path("course.md"), problems, "keys")
    assert_only_problems(problems)
    assert all(p.line <= len(lines) for p in problems)


@FUZZ
@given(st.sampled_from(["", "id: q\ntype: single\n\n", "id: q\ntype: numeric\n\n"]), document)
def test_quiz_block_gives_only_problems(header: str, text: str) -> None:
    source = f"---\ntitle: T\nminutes: 1\n---\n::: quiz\n{header}{text}\n:::\n"
    _, problems = parse_lesson_text(source, Path("01-lesson.md"))
    assert_only_problems(problems)


@FUZZ
@given(document)
def test_pool_text_gives_only_problems(text: str) -> None:
    _, problems = parse_pool_text(text, Path("pools/p.md"))
    assert_only_problems(problems)


@pytest.fixture(scope="module")
def course_dir() -> Iterator[Path]:
    """One course folder reused by every example (hypothesis runs many per test)."""
    with tempfile.TemporaryDirectory() as name:
        root = Path(name) / "course"
        (root / "01-mod").mkdir(parents=True)
        (root / "pools").mkdir()
        (root / "course.md").write_text(
            "---\nid: c\ntitle: C\nsummary: S\nlanguage: en\ncredit_hours: 1\nstatus: draft\n---\n"
        )
        yield root


@FUZZ
@given(lesson=document, pool=document, raw=st.binary(max_size=64))
def test_whole_course_check_gives_only_problems(
    course_dir: Path, lesson: str, pool: str, raw: bytes
) -> None:
    (course_dir / "01-mod" / "01-lesson.md").write_text(lesson, encoding="utf-8")
    (course_dir / "01-mod" / "02-raw.md").write_bytes(raw)
    (course_dir / "pools" / "p.md").write_text(pool, encoding="utf-8")
    report = check_paths([course_dir])
    assert_only_problems(list(report.problems))
    assert report.exit_code in (0, 1)
