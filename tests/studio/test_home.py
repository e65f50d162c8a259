"""The studio home: a trainer's courses with their versions and checks, and the way in."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.models import CourseRevision
from app.studio import editors
from tests.studio.conftest import course_files, course_zip, upload


def test_a_trainer_without_courses_is_told_how_to_start(client, auth, trainer):
    auth.login("tina")
    page = client.get("/studio").text
    assert "You have no courses here yet." in page
    assert "zip the folder and upload it below" in page
    assert 'enctype="multipart/form-data"' in page and 'name="archive"' in page


def test_the_home_lists_published_version_staged_revision_and_last_check(
    client, auth, session, sync_course, trainer
):
    sync_course(course_files("c1"), folder="c1")
    editors.grant(session, "c1", trainer, actor=None)
    editors.grant(session, "other", trainer, actor=None)
    auth.login("tina")
    upload(client, course_zip({"c1": course_files("c1", broken=True)}))
    token = session.scalar(select(CourseRevision.token))
    page = client.get("/studio").text
    row = re.search(r"<tr>\s*<th scope=\"row\">Course c1.*?</tr>", page, re.S).group()
    assert "Version 1" in row and "synced" in row
    assert f'href="/studio/revisions/{token}">Uploaded' in row
    assert "1 error, 0 warnings" in row
    other = re.search(r"<th scope=\"row\">other.*?</tr>", page, re.S).group()
    assert "Not published yet" in other and "Not checked in the studio" in other


def test_a_trainer_sees_only_the_courses_they_edit_and_an_admin_sees_all(
    client, auth, session, sync_course, make_user, trainer
):
    sync_course(course_files("c1"), folder="c1")
    sync_course(course_files("c2"), folder="c2")
    editors.grant(session, "c2", trainer, actor=None)
    make_user("root", roles={"admin"})
    auth.login("tina")
    page = client.get("/studio").text
    assert "<code>c2</code>" in page and "<code>c1</code>" not in page
    auth.logout()
    auth.login("root")
    page = client.get("/studio").text
    assert "<code>c1</code>" in page and "<code>c2</code>" in page


def test_the_home_needs_a_few_queries_whatever_the_number_of_courses(
    client, auth, session, trainer, count_queries
):
    for number in range(8):
        editors.grant(session, f"course-{number}", trainer, actor=None)
    auth.login("tina")
    client.get("/studio")
    with count_queries() as queries:
        assert client.get("/studio").status_code == 200
    assert queries.count <= 7, queries.statements


def test_the_header_links_the_studio_for_trainers_and_admins_only(client, auth, make_user):
    make_user("tina", roles={"trainer"})
    make_user("lena")
    auth.login("tina")
    assert '<a href="/studio">Studio</a>' in client.get("/").text
    auth.logout()
    auth.login("lena")
    assert '<a href="/studio">Studio</a>' not in client.get("/").text
