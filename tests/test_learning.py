"""Learner pages and stored progress: rollups, completion, credit hours, time, drafts, queries."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.models import Course, Enrollment, Lesson, LessonProgress, Unit, User
from app.progress import recording as progress
from tests.conftest import csrf_from

COURSE = """---
id: {id}
title: {title}
summary: Summary of {title}.
language: {language}
credit_hours: 3
status: {status}
tags: [security, data]
---
Overview of {title}.
"""


def _lesson(title: str, minutes: int = 10) -> str:
    return f"---\ntitle: {title}\nminutes: {minutes}\n---\n## {title}\n\nBody of {title}.\n"


def _files(course_id: str = "basics", status: str = "published", language: str = "en") -> dict:
    return {
        "course.md": COURSE.format(
            id=course_id, title=f"Course {course_id}", language=language, status=status
        ),
        "01-one/module.md": "---\nid: one\ntitle: Module one\n---\nFirst module.\n",
        "01-one/01-a.md": _lesson("Lesson A"),
        "01-one/02-b.md": _lesson("Lesson B", 5),
        "02-two/01-c.md": _lesson("Lesson C"),
    }


@pytest.fixture
def course(sync_course, make_user, auth):
    sync_course(_files())
    make_user("ann")
    auth.login("ann")


def _complete(client, slug: str, course_slug: str = "basics"):  # noqa: ANN202
    page = client.get(f"/courses/{course_slug}/lessons/{slug}")
    return client.post(
        f"/courses/{course_slug}/lessons/{slug}/complete", data={"csrf_token": csrf_from(page.text)}
    )


def _enrollment(session) -> Enrollment:  # noqa: ANN001
    return session.scalar(select(Enrollment))


def test_first_visit_enrolls_and_starts_the_course(client, course, session):
    assert client.get("/courses/basics/lessons/a").status_code == 200
    enrollment = _enrollment(session)
    assert enrollment.status == "in_progress"
    assert enrollment.started_at is not None
    assert enrollment.percent == 0


def test_rollup_counts_completed_lessons(client, course, session):
    _complete(client, "a")
    enrollment = _enrollment(session)
    assert (enrollment.completed_lessons, enrollment.percent) == (1, 33.3)
    _complete(client, "b")
    assert _enrollment(session).percent == 66.7


def test_completing_twice_counts_once(client, course, session):
    _complete(client, "a")
    _complete(client, "a")
    assert _enrollment(session).completed_lessons == 1


def test_completing_every_lesson_completes_the_course_and_awards_credit_hours(
    client, course, session
):
    for slug in ("a", "b"):
        _complete(client, slug)
    response = _complete(client, "c")
    assert "credit hours awarded" in client.get(response.headers["Location"]).text
    enrollment = _enrollment(session)
    assert enrollment.status == "completed"
    assert enrollment.percent == 100
    assert enrollment.credit_hours_awarded == 3
    assert enrollment.completed_at is not None
    assert enrollment.completed_version == session.scalar(select(Course.version))


def test_lessons_added_later_do_not_take_a_completion_away(client, course, session, sync_course):
    for slug in ("a", "b", "c"):
        _complete(client, slug)
    files = _files()
    files["02-two/02-d.md"] = _lesson("Lesson D")
    sync_course(files)
    enrollment = _enrollment(session)
    assert enrollment.status == "completed"
    assert enrollment.credit_hours_awarded == 3
    assert enrollment.completed_version < session.scalar(select(Course.version))


def test_a_new_lesson_lowers_the_percent_of_unfinished_learners(
    client, course, session, sync_course
):
    _complete(client, "a")
    files = _files()
    files["02-two/02-d.md"] = _lesson("Lesson D")
    sync_course(files)
    from app.content.lookup import course_by_slug
    from app.db import db
    from app.progress.rollups import refresh_course_rollups

    writer = db.new_session()
    refresh_course_rollups(writer, course_by_slug(writer, "basics"))
    writer.commit()
    writer.close()
    assert _enrollment(session).percent == 25


def test_progress_survives_rename_reorder_and_move_then_resync(
    client, course, session, sync_course
):
    _complete(client, "a")
    files = _files()
    # "a" moves to module two, last place, under another file name; its id stays "a".
    lesson_a = files.pop("01-one/01-a.md").replace("title: Lesson A", "id: a\ntitle: Lesson A")
    files["02-two/09-renamed.md"] = lesson_a
    sync_course(files)
    moved = session.scalar(select(Lesson).where(Lesson.slug == "a"))
    assert moved.archived is False and moved.position == 3
    assert session.scalar(select(LessonProgress.completed_at)) is not None
    page = client.get("/courses/basics")
    assert "1 of 3 lessons" in page.text


def test_mark_complete_moves_on_to_the_next_lesson(client, course):
    response = _complete(client, "a")
    assert response.headers["Location"] == "/courses/basics/lessons/b"


def test_heartbeats_count_time_up_to_the_cap(client, course, session):
    client.get("/courses/basics/lessons/b")  # 5 minutes: capped at 10 minutes
    user = session.scalar(select(User))
    lesson = session.scalar(select(Lesson).where(Lesson.slug == "b"))
    from app.db import db

    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    writer = db.new_session()
    total = 0
    for beat in range(40):  # 40 beats x 30 s = 20 minutes of activity
        total = progress.record_heartbeat(
            writer,
            writer.get(User, user.id),
            writer.get(Lesson, lesson.id),
            now=start + timedelta(seconds=30 * beat),
        )
    writer.commit()
    writer.close()
    assert total == 10 * 60


def test_rapid_heartbeats_do_not_inflate_time(session, client, course):
    client.get("/courses/basics/lessons/a")
    user = session.scalar(select(User))
    lesson = session.scalar(select(Lesson).where(Lesson.slug == "a"))
    from app.db import db

    writer = db.new_session()
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    for i in range(20):  # a script firing every second for 20 s
        total = progress.record_heartbeat(
            writer,
            writer.get(User, user.id),
            writer.get(Lesson, lesson.id),
            now=start + timedelta(seconds=i),
        )
    writer.commit()
    writer.close()
    # The first beat counts one interval; each later one only the second since the one before.
    assert total == 30 + 19


def test_heartbeat_endpoint_needs_csrf_and_counts(client, course):
    page = client.get("/courses/basics/lessons/a")
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
    assert client.post("/courses/basics/lessons/a/heartbeat").status_code == 400
    response = client.post("/courses/basics/lessons/a/heartbeat", headers={"X-CSRFToken": token})
    assert response.get_json() == {"seconds": 30}


def test_configured_cap_overrides_twice_the_minutes():
    lesson = Lesson(minutes=10)
    assert progress.time_cap_seconds(lesson, None) == 1200
    assert progress.time_cap_seconds(lesson, 5) == 300


def test_drafts_are_hidden_from_learners_but_shown_to_trainers(
    app, client, sync_course, make_user, auth
):
    from tests.conftest import Auth

    sync_course(_files("draft-one", status="draft"), folder="draft")
    make_user("ann")
    make_user("tess", roles={"trainer"})
    auth.login("ann")
    assert client.get("/courses/draft-one").status_code == 404
    assert client.get("/courses/draft-one/lessons/a").status_code == 404
    assert "Course draft-one" not in client.get("/courses").text
    trainer = app.test_client()
    Auth(trainer).login("tess")
    assert trainer.get("/courses/draft-one").status_code == 200
    assert "Draft" in trainer.get("/courses").text


def test_catalogue_search_and_language_filter(client, sync_course, make_user, auth):
    sync_course(_files("alpha"), folder="alpha")
    sync_course(_files("beta", language="zh"), folder="beta")
    make_user("ann")
    auth.login("ann")
    assert "Course beta" not in client.get("/courses?q=alpha").text
    assert "Course alpha" in client.get("/courses?q=ALPHA").text
    assert "Course beta" in client.get("/courses?q=security").text  # by tag
    page = client.get("/courses?language=zh").text
    assert "Course beta" in page and "Course alpha" not in page
    assert "No course matches" in client.get("/courses?q=nothing-like-this").text


def test_catalogue_paginates(client, sync_course, make_user, auth):
    for i in range(22):
        sync_course(_files(f"c{i:02d}"), folder=f"c{i:02d}")
    make_user("ann")
    auth.login("ann")
    first = client.get("/courses").text
    assert "Page 1 of 2" in first
    assert "Course c21" in client.get("/courses?page=2").text


def test_course_page_shows_progress_and_continue(client, course):
    client.get("/courses/basics/lessons/a")
    page = client.get("/courses/basics").text
    assert "Continue where you left off" in page
    assert "0 of 3 lessons (0%)" in page
    _complete(client, "a")
    page = client.get("/courses/basics").text
    assert "1 of 3 lessons (33%)" in page
    assert "1 of 2 lessons (50%)" in page  # module one


def test_dashboard_shows_hours_against_the_target(client, course):
    for slug in ("a", "b", "c"):
        _complete(client, slug)
    page = client.get("/").text
    assert "3 of 50 credit hours" in page
    assert "Course basics" in page.split("id=\"completed-heading\"")[1]


def test_dashboard_lists_assigned_courses_and_says_overdue_in_words(
    client, sync_course, make_user, auth, session
):
    from datetime import date

    from app.assignments.services import assign
    from app.db import db
    from tests import factories

    sync_course(_files("late"), folder="late")
    sync_course(_files("soon"), folder="soon")
    writer = db.new_session()
    unit = factories.unit(writer, "BUREAU")
    late = writer.scalar(select(Course).where(Course.slug == "late"))
    soon = writer.scalar(select(Course).where(Course.slug == "soon"))
    assign(writer, unit, late, due_date=date(2020, 1, 1))
    assign(writer, unit, soon, due_date=date(2999, 1, 1))
    writer.commit()
    unit_id = unit.id
    writer.close()
    make_user("ann", unit=session.get(Unit, unit_id))
    auth.login("ann")
    page = client.get("/").text
    required = page.split("Required courses")[1].split("Continue learning")[0]
    assert "Overdue: was due" in required and "Course late" in required
    assert "Due " in required and "Course soon" in required
    assert "Required for you" in client.get("/courses").text


@pytest.mark.parametrize("language,words", [("en", "Courses"), ("zh", "课程")])
def test_every_learner_page_renders_in_both_languages(client, course, language, words):
    headers = {"Accept-Language": language}
    for path in ["/", "/courses", "/courses/basics", "/courses/basics/lessons/a"]:
        page = client.get(path, headers=headers)
        assert page.status_code == 200, path
        assert words in page.text


@pytest.mark.parametrize("lessons", [3, 30])
def test_course_and_lesson_pages_run_a_fixed_small_number_of_queries(
    client, sync_course, make_user, auth, count_queries, lessons
):
    files = _files()
    for i in range(lessons - 3):
        files[f"02-two/{i + 10:02d}-x{i}.md"] = _lesson(f"Extra {i}")
    quiz = "\n".join(
        f"::: quiz\nid: q{i}\ntype: truefalse\n\nStatement {i}.\n\n= true\n:::\n"
        for i in range(lessons // 3)
    )
    files["01-one/03-quiz.md"] = f"---\ntitle: Quiz\nminutes: 5\n---\nText.\n\n{quiz}"
    sync_course(files)
    make_user("ann")
    auth.login("ann")
    counts = {}
    for path in ("/courses/basics/lessons/b", "/courses/basics/lessons/quiz", "/courses/basics"):
        client.get(path)  # a first visit writes; measure the steady state
        with count_queries() as queries:
            assert client.get(path).status_code == 200
        counts[path] = queries.count
    assert max(counts.values()) <= 6, counts
