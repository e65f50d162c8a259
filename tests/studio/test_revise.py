"""Starting a staged revision from the published version, to edit a course in the browser."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.models import CourseRevision
from app.studio import editors
from tests.conftest import Auth, csrf_from
from tests.studio.conftest import course_files, course_zip, upload, write_course


def _publish(client, location: str) -> None:  # noqa: ANN001
    page = client.get(location).text
    token = location.rstrip("/").rsplit("/", 1)[1]
    response = client.post(
        f"/studio/revisions/{token}/publish", data={"csrf_token": csrf_from(page), "confirm": "y"}
    )
    assert response.status_code == 302


def _revise(client, slug: str):  # noqa: ANN001, ANN202
    token = csrf_from(client.get("/studio").text)
    return client.post(f"/studio/courses/{slug}/revise", data={"csrf_token": token})


def test_the_home_offers_to_edit_a_published_course_and_stages_a_copy(app, session, make_user):
    make_user("tina", roles={"trainer"})
    client = app.test_client()
    Auth(client).login("tina")
    _publish(client, upload(client, course_zip({"r1": course_files("r1")})).headers["Location"])
    home = client.get("/studio").text
    assert "/studio/courses/r1/revise" in home and "Edit the published version" in home

    response = _revise(client, "r1")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "The checker found no problem." in page
    assert "/edit/01-m/01-read.md" in page  # its files open in the browser editor
    session.expire_all()
    rows = session.execute(
        select(CourseRevision.status, CourseRevision.source).order_by(CourseRevision.id)
    ).all()
    assert [tuple(r) for r in rows] == [("published", "upload"), ("staged", "editor")]
    # Asking again opens the same staged revision rather than copying once more.
    again = _revise(client, "r1")
    assert again.headers["Location"] == response.headers["Location"]
    assert "/studio/courses/r1/revise" not in client.get("/studio").text


def test_a_course_synced_from_the_courses_folder_is_copied_from_there(
    app, session, make_user, tmp_path: Path
):
    from app.content.check import check_paths
    from app.content.sync import sync_and_refresh

    folder = write_course(tmp_path / "courses" / "s1", course_files("s1"))
    app.config["COURSES_DIR"] = str(tmp_path / "courses")
    sync_and_refresh(session, check_paths([folder]).courses[0])
    tina = make_user("tina", roles={"trainer"})
    editors.grant(session, "s1", tina, actor=None)
    session.commit()
    client = app.test_client()
    Auth(client).login("tina")
    response = _revise(client, "s1")
    assert response.status_code == 302 and "/studio/revisions/" in response.headers["Location"]
    session.expire_all()
    assert session.scalar(select(CourseRevision.course_slug)) == "s1"


def test_without_the_files_the_trainer_is_told_to_upload(app, session, make_user, tmp_path):
    from app.content.check import check_paths
    from app.content.sync import sync_and_refresh

    folder = write_course(tmp_path / "elsewhere" / "x1", course_files("x1"))
    app.config["COURSES_DIR"] = str(tmp_path / "empty")
    sync_and_refresh(session, check_paths([folder]).courses[0])
    tina = make_user("tina", roles={"trainer"})
    editors.grant(session, "x1", tina, actor=None)
    session.commit()
    client = app.test_client()
    Auth(client).login("tina")
    response = _revise(client, "x1")
    assert response.headers["Location"] == "/studio"
    assert "upload a zip of the course folder" in client.get("/studio").text
    assert session.scalar(select(CourseRevision.id)) is None


def test_a_trainer_who_does_not_edit_the_course_gets_a_404(app, session, make_user):
    make_user("tina", roles={"trainer"})
    client = app.test_client()
    Auth(client).login("tina")
    _publish(client, upload(client, course_zip({"r2": course_files("r2")})).headers["Location"])
    make_user("otto", roles={"trainer"})
    other = app.test_client()
    Auth(other).login("otto")
    assert _revise(other, "r2").status_code == 404
