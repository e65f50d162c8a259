"""Sizes the checker refuses before anything is rendered: nesting, file and line size, quiz size,
asset size; and `courses sync` refuses them too instead of crashing in the renderer."""

from __future__ import annotations

import time
from pathlib import Path

from app.content.limits import (
    MAX_ASSET_BYTES,
    MAX_LINE_CHARS,
    MAX_NESTING,
    MAX_SOURCE_BYTES,
    nesting,
)
from tests.content.conftest import BuildCourse, ProblemRows

LESSON = "01-basics/01-first.md"
HEAD = "---\ntitle: First lesson\nminutes: 10\n---\n\n"  # the body starts at line 6


def _nested_list(levels: int) -> str:
    return "".join(f"{'    ' * level}- level {level + 1}\n" for level in range(levels))


def _errors(rows: list[tuple[str, int, str, str]]) -> list[tuple[str, int, str]]:
    return [(path, line, message) for path, line, severity, message in rows if severity == "error"]


def test_nesting_counts_indentation_quotes_and_markers() -> None:
    assert nesting("plain text") == 0
    assert nesting("- item") == 1
    assert nesting("        - item") == 3
    assert nesting("> > - quoted item") == 3
    assert nesting("\t\t1. tabbed") == 3
    assert nesting("-not a list") == 0


def test_a_400_level_list_is_an_error_at_the_line_past_the_limit_found_fast(
    build_course: BuildCourse, problems_of: ProblemRows
) -> None:
    root = build_course({LESSON: HEAD + _nested_list(400)})
    started = time.monotonic()
    errors = _errors(problems_of(root))
    assert time.monotonic() - started < 2
    line = 6 + MAX_NESTING  # the 21st level
    assert errors == [
        (
            f"course-a/{LESSON}",
            line,
            f"lists and block quotes are nested more than {MAX_NESTING} levels deep here;"
            " flatten the structure (every 4 spaces of indentation, `>` or list marker is a"
            " level)",
        )
    ]


def test_block_quotes_400_deep_are_an_error_of_their_line(
    build_course: BuildCourse, problems_of: ProblemRows
) -> None:
    root = build_course({LESSON: HEAD + "Intro.\n\n" + ">" * 400 + " deep\n"})
    assert [(p, line) for p, line, _m in _errors(problems_of(root))] == [(f"course-a/{LESSON}", 8)]


def test_a_list_nested_to_the_limit_and_deep_code_are_accepted(
    build_course: BuildCourse, problems_of: ProblemRows
) -> None:
    code = "```\n" + " " * 200 + "indented code\n```\n"
    root = build_course({LESSON: HEAD + _nested_list(MAX_NESTING) + "\n" + code})
    assert _errors(problems_of(root)) == []


def test_a_lesson_over_1_mb_is_an_error_at_line_1_and_is_not_read(
    build_course: BuildCourse, problems_of: ProblemRows
) -> None:
    body = ("A sentence of a long lesson. " * 30 + "\n\n") * (MAX_SOURCE_BYTES // 800)
    root = build_course({LESSON: HEAD + body})
    errors = _errors(problems_of(root))
    assert len(errors) == 1
    assert errors[0][:2] == (f"course-a/{LESSON}", 1)
    assert "a course file may have at most 1,000,000" in errors[0][2]


def test_a_line_over_the_limit_is_an_error_of_its_line(
    build_course: BuildCourse, problems_of: ProblemRows
) -> None:
    root = build_course({LESSON: HEAD + "Short.\n\n" + "x" * (MAX_LINE_CHARS + 1) + "\n"})
    errors = _errors(problems_of(root))
    assert [(p, line) for p, line, _m in errors] == [(f"course-a/{LESSON}", 8)]
    assert "at most 10,000" in errors[0][2]


def _question(n: int, options: int = 2) -> str:
    choices = "".join(f"- [{'x' if i == 0 else ' '}] option {i}\n" for i in range(options))
    return f"::: quiz\nid: q{n}\ntype: single\n\nPick.\n\n{choices}:::\n\n"


def test_a_quiz_of_101_questions_is_an_error_at_the_101st(
    build_course: BuildCourse, problems_of: ProblemRows
) -> None:
    text = HEAD + "".join(_question(n) for n in range(101))
    root = build_course({LESSON: text})
    line = text.splitlines().index("id: q100")  # the `::: quiz` line before it, 1-based
    errors = _errors(problems_of(root))
    assert [(p, n) for p, n, _m in errors] == [(f"course-a/{LESSON}", line)]
    assert "at most 100 questions" in errors[0][2]


def test_a_draw_past_100_questions_is_an_error_of_the_draw(
    build_course: BuildCourse, problems_of: ProblemRows
) -> None:
    pool = "".join(_question(n) for n in range(120))
    lesson = "---\ntitle: Exam\nminutes: 10\ndraw:\n  - {pool: big, count: 101}\n---\n\nText.\n"
    root = build_course({LESSON: lesson, "pools/big.md": pool})
    errors = _errors(problems_of(root))
    assert [(p, n) for p, n, _m in errors] == [(f"course-a/{LESSON}", 5)]
    assert "the quiz has 101 questions" in errors[0][2]


def test_a_question_of_13_options_is_an_error_at_the_13th(
    build_course: BuildCourse, problems_of: ProblemRows
) -> None:
    text = HEAD + _question(1, options=13)
    root = build_course({LESSON: text})
    line = text.splitlines().index("- [ ] option 12") + 1
    errors = _errors(problems_of(root))
    assert [(p, n) for p, n, _m in errors] == [(f"course-a/{LESSON}", line)]


def test_an_asset_over_10_mb_is_an_error(
    build_course: BuildCourse, problems_of: ProblemRows
) -> None:
    root = build_course()
    asset = root / "assets" / "big.pdf"
    asset.parent.mkdir()
    with asset.open("wb") as handle:  # sparse: fast to write
        handle.truncate(MAX_ASSET_BYTES + 1)
    errors = _errors(problems_of(root))
    assert [(p, n) for p, n, _m in errors] == [("course-a/assets/big.pdf", 1)]
    assert "an asset may have at most 10 MB" in errors[0][2]


def test_sync_refuses_a_400_level_list_quickly_and_imports_nothing(
    runner, tmp_path: Path, session
) -> None:  # noqa: ANN001
    from sqlalchemy import func, select

    from app.models import Course
    from tests.content.conftest import BASE_TREE, write_tree

    root = tmp_path / "deep"
    write_tree(root, {**BASE_TREE, LESSON: HEAD + _nested_list(400)})
    started = time.monotonic()
    result = runner.invoke(args=["courses", "sync", str(root)])
    assert time.monotonic() - started < 5
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"01-first.md:{6 + MAX_NESTING}: error: lists and block quotes" in result.output
    assert "course-a: refused" in result.output
    assert session.scalar(select(func.count(Course.id))) == 0
