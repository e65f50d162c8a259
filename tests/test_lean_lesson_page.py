"""The lesson page and the quiz path stay lean (issue 20): a revisit only reads, in a fixed
budget of statements, and a submission costs the same number of statements whatever the
quiz's size. Timings are for `make bench`; these tests count what can be counted."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from babel import support
from sqlalchemy import event, func, select

from app import migrations
from app.db import db, make_engine
from app.models import AttemptItem, Enrollment, Lesson, LessonProgress, Question, QuizAttempt
from tests.conftest import csrf_from

COURSE = (
    "---\nid: lean\ntitle: Lean\nsummary: Budgets.\nlanguage: en\ncredit_hours: 1\n"
    "status: published\n---\nOverview.\n"
)
WRITES = ("INSERT", "UPDATE", "DELETE")


def _quiz(questions: int) -> str:
    blocks = "\n".join(
        f"::: quiz\nid: q{i}\ntype: truefalse\n\nStatement {i}.\n\n= true\n:::\n"
        for i in range(questions)
    )
    return f"---\ntitle: Check\nminutes: 5\n---\nText.\n\n{blocks}"


def _files(questions: int = 3) -> dict[str, str]:
    return {
        "course.md": COURSE,
        "01-one/01-read.md": "---\ntitle: Read\nminutes: 5\n---\nRead this.\n",
        "01-one/02-check.md": _quiz(questions),
        "02-two/01-last.md": "---\ntitle: Last\nminutes: 5\n---\nThe end.\n",
    }


def _statements(app: Any) -> Any:
    """Every statement the app's engine sends, BEGIN included (count_queries leaves it out)."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement.lstrip().upper())

    event.listen(db.engine, "before_cursor_execute", record)
    return sent, lambda: event.remove(db.engine, "before_cursor_execute", record)


def test_a_revisited_lesson_with_an_open_attempt_runs_four_statements(
    client, sync_course, make_user, auth, count_queries
):
    sync_course(_files())
    make_user("ann")
    auth.login("ann")
    path = "/courses/lean/lessons/check"
    client.get(path)  # the first visit enrolls and opens the attempt
    with count_queries() as queries:
        page = client.get(path)
    assert page.status_code == 200
    assert 'name="attempt_token"' in page.text  # the open attempt is on the page
    # The user, the lesson with the learner's progress and its pager, the open attempt with
    # its items, the submitted attempts with the grants.
    assert queries.count <= 4, queries.statements


def test_a_revisited_lesson_only_reads_and_sets_no_cookie(
    client, app, sync_course, make_user, auth
):
    sync_course(_files())
    make_user("ann")
    auth.login("ann")
    for path in ("/courses/lean/lessons/read", "/courses/lean/lessons/check"):
        client.get(path)  # the first visit records
        sent, stop = _statements(app)
        try:
            page = client.get(path)
        finally:
            stop()
        assert page.status_code == 200
        # Not a writer (on SQLite, no BEGIN IMMEDIATE: the other worker is not held up) and
        # nothing written.
        assert not [s for s in sent if s.startswith(("BEGIN IMMEDIATE", *WRITES))], sent
        assert "Set-Cookie" not in page.headers


def test_pager_links_are_stored_at_sync_and_follow_a_changed_course(
    client, sync_course, make_user, auth
):
    files = _files()
    sync_course(files)
    make_user("ann")
    auth.login("ann")

    def pager(lesson: str) -> list[str]:
        page = client.get(f"/courses/lean/lessons/{lesson}").text
        nav = page.split('<nav class="pager"')[1].split("</nav>")[0]
        return re.findall(r'href="([^"]+)"', nav)

    assert pager("read") == ["/courses/lean/lessons/check"]
    assert pager("check") == ["/courses/lean/lessons/read", "/courses/lean/lessons/last"]
    assert pager("last") == ["/courses/lean/lessons/check", "/courses/lean"]
    # The quiz lesson goes away and a new first lesson arrives: every link follows.
    del files["01-one/02-check.md"]
    files["01-one/00-intro.md"] = "---\ntitle: Intro\nminutes: 5\n---\nHello.\n"
    sync_course(files)
    assert pager("intro") == ["/courses/lean/lessons/read"]
    assert pager("read") == ["/courses/lean/lessons/intro", "/courses/lean/lessons/last"]
    assert pager("last") == ["/courses/lean/lessons/read", "/courses/lean"]


def test_marking_a_lesson_complete_goes_on_to_the_stored_next_lesson(
    client, sync_course, make_user, auth
):
    sync_course(_files())
    make_user("ann")
    auth.login("ann")
    page = client.get("/courses/lean/lessons/read")
    done = client.post(
        "/courses/lean/lessons/read/complete", data={"csrf_token": csrf_from(page.text)}
    )
    assert done.headers["Location"] == "/courses/lean/lessons/check"


def _submission_statements(client, count_queries, course: str, questions: int) -> int:  # noqa: ANN001
    page = client.get(f"/courses/{course}/lessons/check").text
    token = re.search(r'name="attempt_token" value="([^"]+)"', page)
    assert token, "no open attempt"
    answers = {f"q-q{i}": "true" for i in range(questions)}
    data = {"csrf_token": csrf_from(page), "attempt_token": token[1], **answers}
    with count_queries() as queries:
        response = client.post(f"/courses/{course}/lessons/check/quiz", data=data)
    assert response.status_code == 302, response.text
    assert response.headers["Location"].endswith(f"/{course}/lessons/check/attempts/1")
    return queries.count


def test_a_submission_runs_as_many_statements_for_50_questions_as_for_5(
    client, sync_course, make_user, auth, count_queries, session
):
    for questions in (5, 50):
        files = _files(questions)
        files["course.md"] = COURSE.replace("id: lean", f"id: lean{questions}")
        sync_course(files, folder=f"lean{questions}")
    make_user("ann")
    auth.login("ann")
    counts = {n: _submission_statements(client, count_queries, f"lean{n}", n) for n in (5, 50)}
    scores = session.scalars(select(QuizAttempt.score).order_by(QuizAttempt.id)).all()
    assert scores == [100, 100]  # both graded, every answer right
    assert counts[5] == counts[50], counts
    assert counts[5] <= 12, counts


def test_translation_catalogs_are_read_once_per_language_not_per_request(
    client, sync_course, make_user, auth, monkeypatch
):
    sync_course(_files())
    make_user("ann")
    auth.login("ann")
    path = "/courses/lean/lessons/check"
    for language in ("en", "zh"):  # whatever this process has not read yet is read now
        client.get(path, headers={"Accept-Language": language})
    loads: list[tuple[Any, ...]] = []
    real_load = support.Translations.load

    def counting_load(*args: Any, **kwargs: Any) -> Any:
        loads.append(args)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(support.Translations, "load", counting_load)
    for language in ("en", "zh", "en", "zh"):
        page = client.get(path, headers={"Accept-Language": language})
        assert page.status_code == 200
    assert "课程" in page.text  # still translated
    assert loads == []


def test_parallel_first_visits_of_a_lesson_all_succeed_and_record_it_once(
    app, client, sync_course, make_user, auth, session
):
    # Two tabs (or the benchmark's eight connections) opening a new lesson at the same moment:
    # on PostgreSQL they used to race to create the same enrollment, and one got an error.
    sync_course(_files())
    make_user("ann")
    auth.login("ann")
    cookie = client.get_cookie("academy_session")
    tabs = []
    for _ in range(6):
        tab = app.test_client()
        tab.set_cookie("academy_session", cookie.value)
        tabs.append(tab)
    start = threading.Barrier(len(tabs))

    def visit(tab: Any) -> int:
        start.wait(timeout=30)
        return tab.get("/courses/lean/lessons/check").status_code

    with ThreadPoolExecutor(len(tabs)) as pool:
        statuses = list(pool.map(visit, tabs))
    assert statuses == [200] * len(tabs)
    assert session.scalar(select(func.count(Enrollment.id))) == 1
    assert session.scalar(select(func.count(LessonProgress.id))) == 1
    assert session.scalar(select(func.count(QuizAttempt.id))) == 1


def test_upgrading_through_0016_keeps_every_row_and_links_the_lessons_already_imported(
    client, sync_course, make_user, auth, session, database_url
):
    files = _files()
    sync_course(files)
    del files["01-one/01-read.md"]  # an archived lesson, which links to nothing
    sync_course(files)
    make_user("ann")
    auth.login("ann")
    client.get("/courses/lean/lessons/check")  # progress, an attempt and its items
    tables = [Lesson, Question, LessonProgress, Enrollment, QuizAttempt, AttemptItem]

    def state() -> tuple[dict[str, int], list[tuple[Any, ...]]]:
        session.rollback()
        counts = {
            t.__tablename__: session.scalar(select(func.count()).select_from(t)) for t in tables
        }
        links = session.execute(
            select(Lesson.slug, Lesson.previous_lesson_id, Lesson.next_lesson_id).order_by(
                Lesson.id
            )
        ).all()
        return counts, [tuple(row) for row in links]

    synced = state()
    assert synced[1][0][1:] == (None, None)  # "read", archived
    session.close()
    engine = make_engine(database_url)
    try:
        migrations.downgrade(engine, "0016-1")
        migrations.upgrade(engine)
    finally:
        engine.dispose()
    assert state() == synced
