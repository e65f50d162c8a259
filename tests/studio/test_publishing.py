"""Publishing and discarding a staged revision from its check page."""

from __future__ import annotations

from sqlalchemy import select

from app.models import AuditEvent, Course, CourseRevision
from tests.conftest import Auth, csrf_from
from tests.studio.conftest import course_files, course_zip, upload


def _staged(app, make_user, *, broken: bool = False):  # noqa: ANN001, ANN202
    make_user("tina", roles={"trainer"})
    client = app.test_client()
    Auth(client).login("tina")
    response = upload(client, course_zip({"p1": course_files("p1", broken=broken)}))
    assert response.status_code == 302, response.text
    return client, response.headers["Location"]


def test_an_editor_publishes_after_confirming_and_a_learner_sees_the_course(
    app, session, make_user
):
    client, page_url = _staged(app, make_user)
    page = client.get(page_url).text
    token = page_url.rstrip("/").rsplit("/", 1)[1]
    unconfirmed = client.post(
        f"/studio/revisions/{token}/publish", data={"csrf_token": csrf_from(page)}
    )
    assert unconfirmed.status_code == 302
    assert "Tick the box" in client.get(page_url).text
    session.expire_all()
    assert session.scalar(select(Course.id)) is None

    response = client.post(
        f"/studio/revisions/{token}/publish", data={"csrf_token": csrf_from(page), "confirm": "y"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/courses/p1"
    session.expire_all()
    assert session.scalar(select(CourseRevision.status)) == "published"
    assert session.scalar(select(Course.slug)) == "p1"
    make_user("lena")
    learner = app.test_client()
    Auth(learner).login("lena")
    course_page = learner.get("/courses/p1")
    assert course_page.status_code == 200
    assert "Version of " in course_page.text  # the date the published version was made


def test_a_revision_with_errors_offers_no_publish_and_a_forced_post_is_refused(
    app, session, make_user
):
    client, page_url = _staged(app, make_user, broken=True)
    page = client.get(page_url).text
    assert "/publish" not in page and "/discard" in page
    token = page_url.rstrip("/").rsplit("/", 1)[1]
    client.post(
        f"/studio/revisions/{token}/publish", data={"csrf_token": csrf_from(page), "confirm": "y"}
    )
    assert "has errors" in client.get(page_url).text
    session.expire_all()
    assert session.scalar(select(Course.id)) is None


def test_discarding_drops_the_revision_and_logs_it(app, session, make_user):
    client, page_url = _staged(app, make_user)
    page = client.get(page_url).text
    token = page_url.rstrip("/").rsplit("/", 1)[1]
    response = client.post(
        f"/studio/revisions/{token}/discard", data={"csrf_token": csrf_from(page), "confirm": "y"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/studio"
    session.expire_all()
    assert session.scalar(select(CourseRevision.status)) == "discarded"
    assert session.scalar(
        select(AuditEvent.id).where(AuditEvent.action == "course_revision_discarded")
    )


def test_a_trainer_who_does_not_edit_the_course_cannot_publish_it(app, session, make_user):
    _client, page_url = _staged(app, make_user)
    token = page_url.rstrip("/").rsplit("/", 1)[1]
    make_user("otto", roles={"trainer"})
    other = app.test_client()
    Auth(other).login("otto")
    form = csrf_from(other.get("/studio").text)
    for action in ("publish", "discard"):
        response = other.post(
            f"/studio/revisions/{token}/{action}", data={"csrf_token": form, "confirm": "y"}
        )
        assert response.status_code == 404
    session.expire_all()
    assert session.scalar(select(CourseRevision.status)) == "staged"


def _publish(client, page_url: str) -> None:  # noqa: ANN001
    page = client.get(page_url).text
    token = page_url.rstrip("/").rsplit("/", 1)[1]
    response = client.post(
        f"/studio/revisions/{token}/publish", data={"csrf_token": csrf_from(page), "confirm": "y"}
    )
    assert response.status_code == 302


def test_before_publishing_the_page_says_what_changes_and_who_has_progress_in_it(
    app, session, make_user
):
    client, page_url = _staged(app, make_user)
    first = client.get(page_url).text
    assert "A new course" in first and "Lessons: 1 added" in first
    _publish(client, page_url)
    make_user("lena")
    learner = app.test_client()
    Auth(learner).login("lena")
    assert learner.get("/courses/p1/lessons/read").status_code == 200  # progress in "Read"

    files = course_files("p1")
    del files["01-m/01-read.md"]
    files["01-m/02-new.md"] = "---\ntitle: Newer\nminutes: 3\n---\nFresh text.\n"
    files["course.md"] = files["course.md"].replace("credit_hours: 1", "credit_hours: 2")
    response = upload(client, course_zip({"p1": files}))
    page = client.get(response.headers["Location"]).text
    assert "Lessons: 1 added, 0 changed, 1 archived, 0 unchanged." in page
    assert "Archived (hidden from learners, kept in reports): Read." in page
    assert "1 learner has progress in them." in page
    assert "Credit hours: 1 before, 2 after." in page
    session.expire_all()
    # Working it out changed nothing: the published course still has its lesson.
    assert session.scalar(select(Course.credit_hours)) == 1
    assert learner.get("/courses/p1/lessons/read").status_code == 200
