"""The lesson page and the quiz path stay lean (issue 20): a revisit only reads, in a fixed
budget of statements, and a submission costs the same number of statements whatever the
quiz's size. Timings are for `make bench`; these tests count what can be counted."""

from __future__ import annotations

import re
from typing import Any

from babel import support
from sqlalchemy import event, select

from app.db import db
from app.models import QuizAttempt
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
