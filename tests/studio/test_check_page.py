"""The check page and the source view: only a revision's editors and admins, only its files."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import CourseRevision
from app.studio import editors
from tests.studio.conftest import course_files, course_zip, upload


@pytest.fixture
def staged(client, auth, session, trainer) -> str:  # noqa: ANN001
    """A course uploaded by the trainer `tina`, with an image; returns its revision's token."""
    files = {**course_files("newc", broken=True), "assets/pic.png": b"\x89PNG\r\n\x1a\n\0\0\0"}
    auth.login("tina")
    response = upload(client, course_zip({"newc": files}))
    assert response.status_code == 302
    auth.logout()
    return session.scalar(select(CourseRevision.token))


@pytest.mark.parametrize(
    "name",
    ["../../../etc/passwd", "..%2F..%2Fsecret_key", "%2Fetc%2Fpasswd", "01-m/../../x", "nope.md"],
)
def test_the_source_view_shows_only_files_inside_the_revision(client, auth, staged, name):
    auth.login("tina")
    # `source//etc` is first redirected to `source/etc`: a path inside the folder, not found.
    response = client.get(f"/studio/revisions/{staged}/source/{name}", follow_redirects=True)
    assert response.status_code == 404


def test_a_folder_or_a_binary_file_is_not_shown(client, auth, staged):
    auth.login("tina")
    assert client.get(f"/studio/revisions/{staged}/source/01-m").status_code == 404
    binary = client.get(f"/studio/revisions/{staged}/source/assets/pic.png")
    assert binary.status_code == 200
    assert "This file is not a text file, or too large" in binary.text


def test_lines_are_numbered_and_each_has_an_anchor(client, auth, staged):
    auth.login("tina")
    page = client.get(f"/studio/revisions/{staged}/source/course.md").text
    assert '<tr id="L1">' in page and '<a href="#L1">1</a>' in page
    assert '<tr id="L9">' in page and 'id="L10"' not in page  # 9 lines, no empty one after


def test_a_trainer_who_does_not_edit_the_course_gets_404(client, auth, make_user, staged):
    make_user("olga", roles={"trainer"})
    auth.login("olga")
    assert client.get(f"/studio/revisions/{staged}").status_code == 404
    assert client.get(f"/studio/revisions/{staged}/source/course.md").status_code == 404


def test_a_trainer_granted_the_course_sees_it_and_loses_it_when_removed(
    client, auth, session, make_user, staged
):
    olga = make_user("olga", roles={"trainer"})
    editors.grant(session, "newc", olga, actor=None)
    auth.login("olga")
    assert client.get(f"/studio/revisions/{staged}").status_code == 200
    editors.revoke(session, "newc", olga, actor=None)
    assert client.get(f"/studio/revisions/{staged}").status_code == 404


def test_an_unknown_revision_is_a_404(client, auth, make_user):
    make_user("root", roles={"admin"})
    auth.login("root")
    assert client.get("/studio/revisions/0123abcd").status_code == 404
