"""Preview of a staged revision: as learners will see it, answers on request, never for learners."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import Course, Lesson
from tests.conftest import Auth
from tests.studio.conftest import course_files, course_zip, upload

QUIZ = (
    "---\ntitle: Quiz\nminutes: 5\n---\nBefore the question.\n\n::: quiz\nid: q1\ntype: single\n\n"
    "Which is right?\n\n- [x] The right one\n  > Yes, because it is.\n- [ ] The wrong one\n\n"
    "Explanation: The right one is right by definition.\n:::\n"
)


def _staged(app, make_user):  # noqa: ANN001, ANN202
    make_user("tina", roles={"trainer"})
    client = app.test_client()
    Auth(client).login("tina")
    files = course_files("v1")
    files["01-m/02-quiz.md"] = QUIZ
    response = upload(client, course_zip({"v1": files}))
    assert response.status_code == 302
    return client, response.headers["Location"].rstrip("/").rsplit("/", 1)[1]


def test_the_preview_shows_the_course_and_its_lessons_and_writes_nothing(app, session, make_user):
    client, token = _staged(app, make_user)
    assert f"/studio/revisions/{token}/preview" in client.get(f"/studio/revisions/{token}").text
    page = client.get(f"/studio/revisions/{token}/preview")
    assert page.status_code == 200
    assert "Course v1" in page.text and "learners do not see it" in page.text
    assert f"/studio/revisions/{token}/preview/lessons/quiz" in page.text
    session.expire_all()
    assert session.scalar(select(func.count(Course.id))) == 0
    assert session.scalar(select(func.count(Lesson.id))) == 0


def test_a_lesson_shows_questions_as_learners_see_them_and_answers_on_request(app, make_user):
    client, token = _staged(app, make_user)
    plain = client.get(f"/studio/revisions/{token}/preview/lessons/quiz").text
    assert "Before the question." in plain and "Which is right?" in plain
    assert "The wrong one" in plain and "by definition" not in plain
    shown = client.get(f"/studio/revisions/{token}/preview/lessons/quiz?answers=1").text
    assert "by definition" in shown and "Yes, because it is." in shown


def test_learners_and_other_trainers_cannot_reach_a_preview(app, make_user):
    _client, token = _staged(app, make_user)
    make_user("lena")
    make_user("otto", roles={"trainer"})
    for username in ("lena", "otto"):
        other = app.test_client()
        Auth(other).login(username)
        assert other.get(f"/studio/revisions/{token}/preview").status_code == 404
        assert other.get(f"/studio/revisions/{token}/preview/lessons/quiz").status_code == 404
        assert other.get("/courses/v1/lessons/quiz").status_code == 404
