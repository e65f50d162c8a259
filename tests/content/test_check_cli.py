"""`flask courses check` and `python -m app.content`: output, summary and exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask

from app.content.__main__ import main
from app.content.check import check_paths, format_report
from app.content.cli import courses_cli
from tests.content.conftest import BuildCourse

REPO = Path(__file__).resolve().parents[2]
BROKEN_QUIZ = (
    "---\ntitle: L\nminutes: 5\n---\n::: quiz\nid: q\ntype: single\n\nPick.\n\n- [x] a\n:::\n"
)


def run_check(courses_dir: Path | None, *args: str) -> Result:
    """Invoke `flask courses check ARGS` on a bare app with COURSES_DIR set."""
    app = Flask(__name__)
    app.config["COURSES_DIR"] = str(courses_dir) if courses_dir else None
    app.cli.add_command(courses_cli)
    return app.test_cli_runner().invoke(args=["courses", "check", *args])


def test_clean_course_prints_summary_and_exits_0(build_course: BuildCourse) -> None:
    root = build_course()
    result = run_check(None, str(root))
    assert result.exit_code == 0
    assert result.output == "Checked 1 course, 1 lesson, 1 question: 0 errors, 0 warnings.\n"


def test_error_is_printed_like_a_compiler_and_exits_1(
    build_course: BuildCourse, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = build_course({"01-basics/01-first.md": BROKEN_QUIZ})
    monkeypatch.chdir(root.parent)
    result = run_check(None, "course-a")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        'course-a/01-basics/01-first.md:5: error: question "q" is type single but has 1 option(s);'
        " give at least two options (`- [x] ...` and `- [ ] ...`)",
        "Checked 1 course, 1 lesson, 1 question: 1 error, 0 warnings.",
    ]


def test_warnings_alone_exit_0(build_course: BuildCourse) -> None:
    root = build_course({"01-basics/02-second.md": "---\ntitle: S\nminutes: 1\n---\n:::\n"})
    result = run_check(None, str(root))
    assert result.exit_code == 0
    assert result.output.endswith("Checked 1 course, 2 lessons, 1 question: 0 errors, 1 warning.\n")


def test_multiple_paths_are_checked_together_and_sorted(
    build_course: BuildCourse, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = build_course({"01-basics/02-stray.md": "---\ntitle: S\nminutes: 1\n---\n\n:::\n"})
    b = build_course({"course.md": "---\nid: course-b\n---\n"}, name="course-b")
    monkeypatch.chdir(a.parent)
    result = run_check(None, str(b), str(a))  # absolute paths below cwd print relative
    lines = result.output.splitlines()
    assert result.exit_code == 1
    assert (
        lines[0] == "course-a/01-basics/02-stray.md:6: warning: `:::` closes no `::: quiz` block;"
        " remove this line"
    )
    assert [line.split(":")[0] for line in lines[1:-1]] == ["course-b/course.md"] * 5
    assert [int(line.split(":")[1]) for line in lines[1:-1]] == [1, 1, 1, 1, 1]
    assert lines[-1] == "Checked 2 courses, 3 lessons, 2 questions: 5 errors, 1 warning."


def test_default_path_is_courses_dir(build_course: BuildCourse) -> None:
    root = build_course()
    build_course({"course.md": "---\nid: course-a\n---\n"}, name="course-b")
    result = run_check(root.parent)
    assert result.exit_code == 1
    assert 'course id "course-a" is already used by' in result.output
    assert result.output.splitlines()[-1].startswith("Checked 2 courses, 2 lessons, 2 questions:")


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    result = run_check(None, str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert (
        f"{tmp_path / 'nowhere'}:1: error: does not exist; give a folder of courses"
        in result.output
    )
    assert result.output.endswith(
        "Checked 0 courses, 0 lessons, 0 questions: 1 error, 0 warnings.\n"
    )


def test_course_given_twice_is_checked_once(build_course: BuildCourse) -> None:
    root = build_course()
    report = check_paths([root, root.parent, root / "course.md"])
    assert len(report.courses) == 1
    assert report.problems == ()


def test_courses_group_lists_check() -> None:
    result = CliRunner().invoke(courses_cli, ["--help"])
    assert result.exit_code == 0
    assert "check" in result.output


def test_python_module_entry_point(
    build_course: BuildCourse, capsys: pytest.CaptureFixture[str]
) -> None:
    root = build_course({"01-basics/01-first.md": BROKEN_QUIZ})
    assert main([str(root)]) == 1
    assert main([str(build_course(name="course-b"))]) == 0
    out = capsys.readouterr().out.splitlines()
    lesson = root / "01-basics" / "01-first.md"
    assert out[0].startswith(f'{lesson}:5: error: question "q" is type single but has 1 option')
    assert out[-1] == "Checked 1 course, 1 lesson, 1 question: 0 errors, 0 warnings."


def test_format_guide_course_passes_without_warnings() -> None:
    report = check_paths([REPO / "courses" / "format-guide"])
    assert format_report(report).splitlines() == [
        "Checked 1 course, 4 lessons, 16 questions: 0 errors, 0 warnings."
    ]
    course = report.courses[0]
    assert course.status == "draft"
    types = {q.type for q in course.questions()}
    assert types == {"single", "multiple", "truefalse", "short", "numeric"}


def test_python_dash_m_runs_without_flask_app(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app.content", str(REPO / "courses" / "format-guide")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("0 errors, 0 warnings.")


def test_lessons_without_minutes_pass_with_an_info_line_each(
    build_course: BuildCourse, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = build_course(
        {
            "01-basics/01-first.md": "---\ntitle: First\n---\n\n" + "word " * 450,
            "01-basics/02-second.md": "---\ntitle: Second\n---\n\n" + "字" * 1150 + "\n",
            "01-basics/03-third.md": "---\ntitle: Third\nminutes: 7\n---\n\nGiven.\n",
        }
    )
    monkeypatch.chdir(root.parent)
    result = run_check(None, "course-a")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "course-a/01-basics/01-first.md:1: info: no minutes given;"
        " estimated 3 minutes from the text (450 words, 0 questions)",
        "course-a/01-basics/02-second.md:1: info: no minutes given;"
        " estimated 4 minutes from the text (1,150 characters, 0 questions)",
        "Checked 1 course, 3 lessons, 0 questions: 0 errors, 0 warnings; 2 info lines.",
    ]
    report = check_paths([root])
    assert (report.error_count, report.warning_count, report.info_count) == (0, 0, 2)
    assert [lesson.minutes for lesson in report.courses[0].lessons()] == [3, 4, 7]


def test_info_lines_do_not_hide_an_error_or_change_its_exit_code(
    build_course: BuildCourse,
) -> None:
    root = build_course(
        {
            "01-basics/01-first.md": BROKEN_QUIZ.replace("minutes: 5\n", ""),
        }
    )
    result = run_check(None, str(root))
    assert result.exit_code == 1
    severities = [line.split(": ")[1] for line in result.output.splitlines()[:-1]]
    assert severities == ["info", "error"]
    assert result.output.endswith("1 error, 0 warnings; 1 info line.\n")
