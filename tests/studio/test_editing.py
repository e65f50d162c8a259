"""The browser editor: fix an error in a textarea, check and preview it, save a new revision."""

from __future__ import annotations

from sqlalchemy import select

from app.models import CourseRevision
from tests.conftest import Auth, csrf_from
from tests.studio.conftest import BROKEN_LINE, course_files, course_zip, upload

QUIZ = "01-m/02-quiz.md"
FIXED = (
    "---\ntitle: Quiz\nminutes: 5\n---\nText.\n\n::: quiz\nid: q1\ntype: single\n\nPick one.\n\n"
    "- [x] right\n- [ ] wrong\n:::\n"
)


def _broken(app, make_user):  # noqa: ANN001, ANN202
    make_user("tina", roles={"trainer"})
    client = app.test_client()
    Auth(client).login("tina")
    response = upload(client, course_zip({"e1": course_files("e1", broken=True)}))
    token = response.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    return client, token


def test_the_source_view_links_to_the_editor_which_shows_the_file(app, make_user):
    client, token = _broken(app, make_user)
    source = client.get(f"/studio/revisions/{token}/source/{QUIZ}").text
    assert f"/studio/revisions/{token}/edit/{QUIZ}" in source
    page = client.get(f"/studio/revisions/{token}/edit/{QUIZ}").text
    assert "type: essay" in page and "<textarea" in page


def test_check_shows_the_errors_of_the_edited_text_and_saves_nothing(app, session, make_user):
    client, token = _broken(app, make_user)
    url = f"/studio/revisions/{token}/edit/{QUIZ}"
    form = csrf_from(client.get(url).text)
    broken = client.post(url, data={"csrf_token": form, "action": "check", "text": "x"})
    assert broken.status_code == 200 and f"{QUIZ}:1: error" in broken.text
    fixed = client.post(url, data={"csrf_token": form, "action": "check", "text": FIXED})
    assert "The checker found no problem." in fixed.text
    session.expire_all()
    assert session.scalars(select(CourseRevision.status)).all() == ["staged"]


def test_preview_renders_the_lesson_sanitised(app, make_user):
    client, token = _broken(app, make_user)
    url = f"/studio/revisions/{token}/edit/{QUIZ}"
    form = csrf_from(client.get(url).text)
    text = FIXED.replace("Text.", "Some *emphasis* <script>alert(1)</script>")
    page = client.post(url, data={"csrf_token": form, "action": "preview", "text": text}).text
    assert "<em>emphasis</em>" in page and "<script>alert(1)" not in page
    assert "[q1]" in page


def test_saving_stages_a_new_revision_without_the_error(app, session, make_user):
    client, token = _broken(app, make_user)
    assert f"{QUIZ}:{BROKEN_LINE}" in client.get(f"/studio/revisions/{token}").text
    url = f"/studio/revisions/{token}/edit/{QUIZ}"
    form = csrf_from(client.get(url).text)
    response = client.post(url, data={"csrf_token": form, "action": "save", "text": FIXED})
    assert response.status_code == 302
    new_page = client.get(response.headers["Location"]).text
    assert "The checker found no problem." in new_page and "/publish" in new_page
    session.expire_all()
    rows = session.execute(
        select(CourseRevision.status, CourseRevision.source).order_by(CourseRevision.id)
    ).all()
    assert [tuple(r) for r in rows] == [("discarded", "upload"), ("staged", "editor")]


def test_only_editors_reach_the_editor_and_only_text_files(app, make_user):
    client, token = _broken(app, make_user)
    assert client.get(f"/studio/revisions/{token}/edit/../../secret.md").status_code == 404
    assert client.get(f"/studio/revisions/{token}/edit/assets/a.svg").status_code == 404
    make_user("otto", roles={"trainer"})
    other = app.test_client()
    Auth(other).login("otto")
    assert other.get(f"/studio/revisions/{token}/edit/{QUIZ}").status_code == 404
