"""Uploading a course archive in the studio: checked at once, staged, errors at their lines."""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy import select

from app.models import AuditEvent, CourseEditor, CourseRevision
from app.studio import editors
from tests.studio.conftest import (
    BROKEN_LINE,
    course_files,
    course_zip,
    stored_revisions,
    upload,
)

MIB = 1024 * 1024


def _incoming(app) -> list[Path]:  # noqa: ANN001
    root = Path(app.config["INSTANCE_DIR"]) / "studio" / "incoming"
    return list(root.iterdir()) if root.exists() else []


def test_an_upload_with_errors_shows_them_at_their_lines_linked_to_the_source(
    client, auth, session, trainer
):
    auth.login("tina")
    response = upload(client, course_zip({"newc": course_files("newc", broken=True)}))
    assert response.status_code == 302
    revision = session.scalar(select(CourseRevision))
    assert response.location == f"/studio/revisions/{revision.token}"
    assert (revision.status, revision.source, revision.error_count) == ("staged", "upload", 1)

    page = client.get(response.location).text
    source_url = f"/studio/revisions/{revision.token}/source/01-m/02-quiz.md"
    line = re.search(
        rf'<a href="{re.escape(source_url)}#L{BROKEN_LINE}">01-m/02-quiz.md:{BROKEN_LINE}</a>'
        r": error: unknown question type &#34;essay&#34;",
        page,
    )
    assert line, page

    source = client.get(source_url)
    assert source.status_code == 200
    row = re.search(rf'<tr id="L{BROKEN_LINE}" class="marked">.*?</tr>', source.text, re.S)
    assert row and "type: essay" in row.group() and "unknown question type" in row.group()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in source.text
    assert "<script>alert(1)" not in source.text


def test_a_clean_upload_says_the_checker_found_nothing(client, auth, trainer):
    auth.login("tina")
    response = upload(client, course_zip({"": course_files("solo")}))
    page = client.get(response.location).text
    assert "The checker found no problem." in page
    assert "Staged, not published" in page


def test_a_new_course_id_makes_the_uploader_its_editor(client, auth, session, trainer):
    auth.login("tina")
    upload(client, course_zip({"newc": course_files("newc")}))
    editor = session.scalar(select(CourseEditor))
    assert (editor.course_slug, editor.user_id, editor.granted_by_id) == ("newc", trainer.id, None)
    events = session.scalars(select(AuditEvent.action).where(AuditEvent.subject == "newc")).all()
    assert sorted(events) == ["course_editor_granted", "course_revision_staged"]


def test_a_course_someone_else_edits_is_refused_and_nothing_is_written(
    app, client, auth, session, make_user, trainer
):
    other = make_user("olga", roles={"trainer"})
    editors.grant(session, "c1", other, actor=None)
    auth.login("tina")
    archive = course_zip({"mine": course_files("mine"), "c1": course_files("c1")})
    response = upload(client, archive)
    assert response.status_code == 422
    assert "You are not an editor of c1, so nothing was uploaded." in response.text
    assert session.scalars(select(CourseRevision)).all() == []
    assert [e.course_slug for e in session.scalars(select(CourseEditor))] == ["c1"]
    assert stored_revisions(app) == []
    assert _incoming(app) == []


def test_a_synced_course_without_editors_is_not_free_for_a_trainer(
    client, auth, session, sync_course, trainer
):
    sync_course(course_files("c1"), folder="c1")
    auth.login("tina")
    response = upload(client, course_zip({"c1": course_files("c1")}))
    assert response.status_code == 422
    assert "You are not an editor of c1" in response.text
    assert session.scalars(select(CourseRevision)).all() == []


def test_an_admin_uploads_any_course_without_becoming_its_editor(
    client, auth, session, make_user, sync_course
):
    sync_course(course_files("c1"), folder="c1")
    make_user("root", roles={"admin"})
    auth.login("root")
    assert upload(client, course_zip({"c1": course_files("c1")})).status_code == 302
    assert session.scalar(select(CourseRevision.course_slug)) == "c1"
    assert session.scalars(select(CourseEditor)).all() == []


def test_an_archive_of_several_courses_stages_each(client, auth, session, trainer):
    auth.login("tina")
    archive = course_zip({"all/one": course_files("one"), "all/two": course_files("two")})
    response = upload(client, archive)
    assert response.location == "/studio"
    staged = session.scalars(select(CourseRevision.course_slug).order_by(CourseRevision.id))
    assert list(staged) == ["one", "two"]
    assert "2 courses were checked and staged: one, two." in client.get("/studio").text


def test_a_new_upload_discards_the_staged_one_and_removes_its_files(
    app, client, auth, session, trainer
):
    auth.login("tina")
    first = upload(client, course_zip({"newc": course_files("newc", broken=True)}))
    first_token = first.location.rsplit("/", 1)[1]
    second = upload(client, course_zip({"newc": course_files("newc")}))
    second_token = second.location.rsplit("/", 1)[1]
    statuses = dict(
        session.execute(select(CourseRevision.token, CourseRevision.status)).tuples().all()
    )
    assert statuses == {first_token: "discarded", second_token: "staged"}
    assert stored_revisions(app) == [second_token]


def test_an_unsafe_archive_is_refused_saying_why(app, client, auth, session, trainer):
    auth.login("tina")
    response = upload(client, course_zip({"": {"course.md": "x", "../evil.md": "x"}}))
    assert response.status_code == 422
    assert "without &#34;..&#34;" in response.text or 'without ".."' in response.text
    assert session.scalars(select(CourseRevision)).all() == []
    assert stored_revisions(app) == [] and _incoming(app) == []


def test_an_archive_without_a_course_or_an_id_is_refused(client, auth, session, trainer):
    auth.login("tina")
    response = upload(client, course_zip({"notes": {"readme.md": "hello"}}))
    assert response.status_code == 422
    assert "The archive holds no course" in response.text
    response = upload(client, course_zip({"x": {"course.md": "---\ntitle: T\n---\n"}}))
    assert response.status_code == 422
    assert "The course.md in x has no valid id" in response.text
    assert session.scalars(select(CourseRevision)).all() == []


def test_a_file_that_is_not_a_zip_is_refused(client, auth, trainer):
    auth.login("tina")
    response = upload(client, course_zip({"": course_files("c1")}), filename="course.rar")
    assert response.status_code == 422
    assert "Only .zip archives are accepted." in response.text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.text).group(1)
    empty = client.post("/studio/upload", data={"csrf_token": token})
    assert empty.status_code == 422
    assert "Choose a .zip file of your course folder." in empty.text


def test_an_archive_over_the_upload_limit_is_refused_saying_the_limit(app, client, auth, trainer):
    app.config["STUDIO_MAX_UPLOAD_MB"] = 1
    auth.login("tina")
    # Random bytes do not compress: the zip is as large as its member.
    just_over = course_zip(
        {"": {**course_files("c1"), "assets/noise.bin": os.urandom(MIB * 3 // 2)}}
    )
    refused = upload(client, just_over)
    assert refused.status_code == 422
    assert "The archive is larger than 1 MB." in refused.text
    far_over = course_zip({"": {**course_files("c1"), "assets/noise.bin": os.urandom(3 * MIB)}})
    assert upload(client, far_over).status_code == 413


def test_an_archive_larger_than_the_ordinary_body_limit_is_accepted(app, client, auth, trainer):
    assert app.config["MAX_CONTENT_LENGTH"] < 2 * MIB
    auth.login("tina")
    files = {**course_files("big"), "assets/photo.bin": os.urandom(2 * MIB)}
    assert upload(client, course_zip({"big": files})).status_code == 302
