"""The intake gate: a course folder with a link or a special file is refused, and never read.

A symbolic link in `assets/` once let `courses sync` publish any file the server could read
(its secret key, its database); these tests keep every way in closed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.content.check import check_paths
from app.content.intake import (
    LINK_MESSAGE,
    SPECIAL_MESSAGE,
    UnsafeCourseError,
    read_plain_file,
)
from app.models import Course, CourseAsset
from tests.content.conftest import BuildCourse, ProblemRows

SECRET = "TOP-SECRET-KEY-0123456789"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside every course folder, standing for instance/secret_key."""
    path = tmp_path / "outside" / "secret_key"
    path.parent.mkdir()
    path.write_text(SECRET, encoding="utf-8")
    return path


def _with_asset(build_course: BuildCourse) -> Path:
    root = build_course({"assets/diagram.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>"})
    return root


def test_a_link_in_assets_is_an_error_at_its_path(
    build_course: BuildCourse, problems_of: ProblemRows, secret: Path
) -> None:
    root = _with_asset(build_course)
    (root / "assets" / "key.txt").symlink_to(secret)
    assert problems_of(root) == [("course-a/assets/key.txt", 1, "error", LINK_MESSAGE)]


def test_a_linked_lesson_is_refused_and_its_target_never_read(
    build_course: BuildCourse, problems_of: ProblemRows, secret: Path
) -> None:
    root = build_course()
    (root / "01-basics" / "02-stolen.md").symlink_to(secret)
    rows = problems_of(root)
    assert rows == [("course-a/01-basics/02-stolen.md", 1, "error", LINK_MESSAGE)]
    assert not any(SECRET in message for *_rest, message in rows)


def test_a_linked_module_folder_is_refused_and_not_entered(
    build_course: BuildCourse, problems_of: ProblemRows, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "01-x.md").write_text("---\ntitle: X\nminutes: 5\n---\nX.\n", encoding="utf-8")
    root = build_course()
    (root / "02-linked").symlink_to(elsewhere, target_is_directory=True)
    assert problems_of(root) == [("course-a/02-linked", 1, "error", LINK_MESSAGE)]


def test_a_linked_course_md_is_refused(
    build_course: BuildCourse, problems_of: ProblemRows, secret: Path
) -> None:
    root = build_course({"course.md": None})
    (root / "course.md").symlink_to(secret)
    report = check_paths([root.parent])
    assert report.courses == ()
    assert ("course-a/course.md", 1, "error", LINK_MESSAGE) in problems_of(root.parent)


def test_a_linked_course_folder_in_a_catalogue_is_refused(
    build_course: BuildCourse, problems_of: ProblemRows, tmp_path: Path
) -> None:
    real = build_course(name="course-a")
    catalogue = tmp_path / "catalogue"
    catalogue.mkdir()
    (catalogue / "course-a").symlink_to(real, target_is_directory=True)
    assert problems_of(catalogue) == [("catalogue/course-a", 1, "error", LINK_MESSAGE)]


def test_a_pipe_in_assets_is_refused(
    build_course: BuildCourse, problems_of: ProblemRows
) -> None:
    root = _with_asset(build_course)
    os.mkfifo(root / "assets" / "pipe")
    assert problems_of(root) == [("course-a/assets/pipe", 1, "error", SPECIAL_MESSAGE)]


def test_a_course_folder_reached_through_a_link_is_where_the_trainer_put_it(
    build_course: BuildCourse, problems_of: ProblemRows, tmp_path: Path
) -> None:
    real = build_course()
    alias = tmp_path / "alias"
    alias.symlink_to(real, target_is_directory=True)
    assert problems_of(alias) == []


def test_reading_an_asset_never_follows_a_link(tmp_path: Path, secret: Path) -> None:
    link = tmp_path / "asset.png"
    link.symlink_to(secret)
    with pytest.raises(UnsafeCourseError) as refused:
        read_plain_file(link)
    assert refused.value.problems[0].message == LINK_MESSAGE
    plain = tmp_path / "plain.png"
    plain.write_bytes(b"\x89PNG")
    assert read_plain_file(plain) == b"\x89PNG"


def test_sync_refuses_a_link_that_appeared_after_the_check_and_writes_nothing(
    build_course: BuildCourse, runner, session, secret: Path, monkeypatch
) -> None:
    root = _with_asset(build_course)
    report = check_paths([root])
    assert report.error_count == 0
    # Between the check and the sync, someone puts a link into the folder.
    import app.content.cli as cli

    monkeypatch.setattr(cli, "check_paths", lambda _paths: report)
    (root / "assets" / "key.txt").symlink_to(secret)
    result = runner.invoke(args=["courses", "sync", str(root)])
    assert result.exit_code == 1
    assert "assets/key.txt:1: error: is a symbolic link" in result.output
    assert session.scalar(select(func.count(Course.id))) == 0
    assert session.scalar(select(func.count(CourseAsset.id))) == 0
