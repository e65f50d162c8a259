"""Staging, discarding and publishing revisions, as services (no HTTP)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.content.intake import UnsafeCourseError
from app.models import Course, CourseEditor, CourseRevision
from app.studio import revisions, source
from tests.studio.conftest import BROKEN_LINE, course_files, write_course


@pytest.fixture
def ctx(app, session):  # noqa: ANN001, ANN201
    """The test's session, inside an app context (the services read STUDIO_DIR from it)."""
    with app.app_context():
        yield session


def test_a_staged_revision_holds_a_copy_and_what_the_check_found(ctx, tmp_path, make_user):
    tina = make_user("tina", roles={"trainer"})
    folder = write_course(tmp_path / "src", course_files("newc", broken=True))
    revision = revisions.stage(ctx, folder, actor=tina, source="upload")
    stored = revisions.folder(revision)
    assert (stored / "01-m" / "02-quiz.md").read_text() == (folder / "01-m/02-quiz.md").read_text()
    assert revision.problems == [
        {
            "path": "01-m/02-quiz.md",
            "line": BROKEN_LINE,
            "severity": "error",
            "message": revision.problems[0]["message"],
        }
    ]
    assert "essay" in revision.problems[0]["message"]
    assert (revision.course_slug, revision.title, revision.error_count) == (
        "newc",
        "Course newc",
        1,
    )
    assert len(revision.content_hash) == 64
    assert ctx.scalar(select(CourseEditor.user_id)) == tina.id


def test_the_same_files_give_the_same_content_hash(ctx, tmp_path):
    one = revisions.stage(
        ctx, write_course(tmp_path / "a", course_files("c1")), actor=None, source="git"
    )
    two = revisions.stage(
        ctx, write_course(tmp_path / "b", course_files("c1")), actor=None, source="git"
    )
    assert one.content_hash == two.content_hash and one.token != two.token
    assert (one.status, two.status) == ("discarded", "staged")


def test_a_folder_with_a_symbolic_link_is_refused_and_nothing_is_stored(ctx, tmp_path, app):
    folder = write_course(tmp_path / "src", course_files("c1"))
    (tmp_path / "secret").write_text("key")
    os.symlink(tmp_path / "secret", folder / "01-m" / "leak.md")
    with pytest.raises(UnsafeCourseError, match="symbolic link"):
        revisions.stage(ctx, folder, actor=None, source="git")
    assert ctx.scalars(select(CourseRevision)).all() == []
    assert not (tmp_path / "studio" / "revisions").exists() or not any(
        (tmp_path / "studio" / "revisions").iterdir()
    )


def test_a_trainer_cannot_stage_a_course_they_do_not_edit(ctx, tmp_path, make_user):
    olga = make_user("olga", roles={"trainer"})
    tina = make_user("tina", roles={"trainer"})
    ctx.commit()
    revisions.stage(
        ctx, write_course(tmp_path / "a", course_files("c1")), actor=olga, source="upload"
    )
    with pytest.raises(revisions.RevisionError, match="not an editor of the course c1"):
        revisions.stage(
            ctx, write_course(tmp_path / "b", course_files("c1")), actor=tina, source="upload"
        )


def test_a_rolled_back_staging_leaves_no_files(ctx, tmp_path, app):
    revision = revisions.stage(
        ctx, write_course(tmp_path / "a", course_files("c1")), actor=None, source="git"
    )
    stored = revisions.folder(revision)
    assert stored.is_dir()
    ctx.rollback()
    assert not stored.exists()


def test_discarding_removes_the_files_once_committed(ctx, tmp_path):
    revision = revisions.stage(
        ctx, write_course(tmp_path / "a", course_files("c1")), actor=None, source="git"
    )
    ctx.commit()
    revisions.discard(ctx, revision, actor=None)
    assert revisions.folder(revision).is_dir()
    ctx.commit()
    assert revision.status == "discarded" and not revisions.folder(revision).exists()
    with pytest.raises(revisions.RevisionError):
        revisions.discard(ctx, revision, actor=None)


def test_publishing_syncs_the_course_and_keeps_each_version(ctx, tmp_path, make_user):
    root = make_user("root", roles={"admin"})
    ctx.commit()
    first = revisions.stage(
        ctx, write_course(tmp_path / "a", course_files("c1")), actor=root, source="upload"
    )
    result = revisions.publish(ctx, first, actor=root)
    assert result.outcome == "added"
    changed = {**course_files("c1"), "01-m/02-more.md": "---\ntitle: More\nminutes: 3\n---\nX\n"}
    second = revisions.stage(
        ctx, write_course(tmp_path / "b", changed), actor=root, source="upload"
    )
    revisions.publish(ctx, second, actor=root)
    ctx.commit()
    course = ctx.scalar(select(Course).where(Course.slug == "c1"))
    assert (course.version, course.lesson_count) == (2, 2)
    history = revisions.published_history(ctx, "c1")
    assert [r.token for r in history] == [second.token, first.token]
    assert all(r.published_by_id == root.id and r.published_at for r in history)


def test_a_revision_with_errors_is_not_published(ctx, tmp_path):
    revision = revisions.stage(
        ctx,
        write_course(tmp_path / "a", course_files("c1", broken=True)),
        actor=None,
        source="upload",
    )
    with pytest.raises(revisions.RevisionError) as refusal:
        revisions.publish(ctx, revision, actor=None)
    assert refusal.value.problems[0]["line"] == BROKEN_LINE
    assert ctx.scalar(select(Course)) is None and revision.status == "staged"


def test_the_source_reader_keeps_to_the_revision_folder(tmp_path):
    root = write_course(tmp_path / "rev", {"course.md": "a\nb\n", "sub/x.md": "x"})
    (tmp_path / "outside.md").write_text("secret")
    os.symlink(tmp_path / "outside.md", root / "link.md")
    assert source.read_source(root, "course.md").lines == ("a", "b")
    assert source.read_source(root, "sub/x.md").lines == ("x",)
    for name in ("../outside.md", "/etc/passwd", "sub/../../outside.md", "link.md", "sub", ""):
        assert source.read_source(root, name) is None, name


def test_the_schema_holds_at_most_one_staged_revision_per_course(ctx):
    for token in ("a" * 32, "b" * 32):
        ctx.add(
            CourseRevision(course_slug="c1", token=token, source="git", content_hash="0" * 64)
        )
    with pytest.raises(IntegrityError):
        ctx.flush()


def test_info_lines_are_kept_but_counted_as_neither_errors_nor_warnings(ctx, tmp_path):
    files = {**course_files("c1"), "01-m/01-read.md": "---\ntitle: Read\n---\nJust text.\n"}
    revision = revisions.stage(ctx, write_course(tmp_path / "a", files), actor=None, source="git")
    assert [(p["path"], p["severity"]) for p in revision.problems] == [("01-m/01-read.md", "info")]
    assert (revision.error_count, revision.warning_count) == (0, 0)
