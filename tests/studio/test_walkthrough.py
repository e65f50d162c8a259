"""The whole authoring loop over HTTP, as one trainer walks it: upload a zip with an error, see
it at its line, fix it in the browser editor, preview with and without answers, publish, a
learner studies it; then a second upload that archives a lesson says who has progress in it."""

from __future__ import annotations

from sqlalchemy import select

from app.models import Course, CourseRevision
from tests.conftest import Auth, csrf_from
from tests.studio.conftest import BROKEN_LINE, course_files, course_zip, upload

QUIZ = "01-m/02-quiz.md"
FIXED = (
    "---\ntitle: Quiz\nminutes: 5\n---\nText.\n\n::: quiz\nid: q1\ntype: single\n\n"
    "Which one is right?\n\n- [x] The right one\n- [ ] The wrong one\n\n"
    "Explanation: Right by definition.\n:::\n"
)


def _token(location: str) -> str:
    return location.rstrip("/").rsplit("/", 1)[1]


def test_a_trainer_walks_from_a_broken_upload_to_a_course_a_learner_studies(
    app, session, make_user
):
    make_user("tina", roles={"trainer"})
    trainer = app.test_client()
    Auth(trainer).login("tina")
    make_user("lena")
    learner = app.test_client()
    Auth(learner).login("lena")

    # 1. The upload is staged with its error, shown at its line and linked to the source.
    response = upload(trainer, course_zip({"w1": course_files("w1", broken=True)}))
    assert response.status_code == 302
    token = _token(response.headers["Location"])
    check = trainer.get(f"/studio/revisions/{token}").text
    assert f"#L{BROKEN_LINE}\">{QUIZ}:{BROKEN_LINE}</a>: error: " in check
    assert f"/studio/revisions/{token}/source/{QUIZ}#L{BROKEN_LINE}" in check
    assert "/publish" not in check
    assert learner.get("/courses/w1").status_code == 404

    # 2. Fixed in the browser editor: checked first, then saved as a new staged revision.
    editor_url = f"/studio/revisions/{token}/edit/{QUIZ}"
    assert "type: essay" in trainer.get(editor_url).text
    csrf = csrf_from(trainer.get(editor_url).text)
    checked = trainer.post(editor_url, data={"csrf_token": csrf, "action": "check", "text": FIXED})
    assert "The checker found no problem." in checked.text
    saved = trainer.post(editor_url, data={"csrf_token": csrf, "action": "save", "text": FIXED})
    assert saved.status_code == 302
    fixed_token = _token(saved.headers["Location"])
    assert fixed_token != token
    fixed = trainer.get(f"/studio/revisions/{fixed_token}").text
    assert "The checker found no problem." in fixed and "A new course" in fixed

    # 3. The preview, as learners will see it and then with the answers in place.
    lesson = f"/studio/revisions/{fixed_token}/preview/lessons/quiz"
    plain = trainer.get(lesson).text
    assert "Which one is right?" in plain and "Right by definition." not in plain
    shown = trainer.get(lesson + "?answers=1").text
    assert "Right by definition." in shown
    assert learner.get(lesson).status_code == 404

    # 4. Published: the learner now sees the course and studies a lesson of it.
    published = trainer.post(
        f"/studio/revisions/{fixed_token}/publish",
        data={"csrf_token": csrf_from(fixed), "confirm": "y"},
    )
    assert published.headers["Location"] == "/courses/w1"
    course_page = learner.get("/courses/w1")
    assert course_page.status_code == 200 and "Course w1" in course_page.text
    assert "Which one is right?" in learner.get("/courses/w1/lessons/quiz").text
    assert learner.get("/courses/w1/lessons/read").status_code == 200

    # 5. A second upload leaves out "Read": before publishing, the page says who has progress.
    files = course_files("w1")
    del files["01-m/01-read.md"]
    files[QUIZ] = FIXED
    second = upload(trainer, course_zip({"w1": files}))
    page = trainer.get(second.headers["Location"]).text
    assert "Archived (hidden from learners, kept in reports): Read." in page
    assert "1 learner has progress in them." in page
    session.expire_all()
    statuses = session.scalars(select(CourseRevision.status).order_by(CourseRevision.id)).all()
    assert statuses == ["discarded", "published", "staged"]
    # Nothing is published until the trainer says so: the lesson is still there for learners.
    assert learner.get("/courses/w1/lessons/read").status_code == 200
    assert session.scalar(select(Course.lesson_count)) == 2
