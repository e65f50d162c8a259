"""Taking quizzes over HTTP: attempts, limits, time, draws, shuffle, results, replays, leaks."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.models import AttemptItem, Enrollment, LessonProgress, QuizAttempt
from app.models.types import utcnow
from tests.conftest import csrf_from

COURSE = """---
id: quiz-course
title: Quiz course
summary: For quiz tests.
language: en
credit_hours: 1
status: published
---
Overview.
"""


def _quiz(qid: str, kind: str, body: str, extra: str = "") -> str:
    return f"::: quiz\nid: {qid}\ntype: {kind}\n{extra}\n{body}\n:::\n"


SINGLE = _quiz(
    "pick-get",
    "single",
    "Which method reads?\n\n- [x] GET-OPTION\n- [ ] POST-OPTION\n"
    "  > FEEDBACK-POST is for sending.\n\n"
    "Explanation: EXPLANATION-GET is safe.",
)
SHORT = _quiz(
    "name-it",
    "short",
    "Name the protocol.\n\n= HTTPS-ANSWER\n= https\n\nExplanation: EXPLAIN-SHORT.",
)

LESSON = f"""---
title: Quiz lesson
minutes: 10
pass_percent: 100
max_attempts: 2
show_answers: after_pass
---
Text before.

{SINGLE}
Text between.

{SHORT}
Text after.
"""

TIMED_Q = _quiz("timed-q", "truefalse", "The sky is blue.\n\n= true")
TIMED = f"""---
title: Timed lesson
minutes: 10
time_limit_minutes: 1
show_answers: after_submit
---
Timed.

{TIMED_Q}
"""

FINAL = """---
title: Final test
minutes: 10
draw: [{pool: bank, count: 3}]
shuffle: true
show_answers: never
---
Answer the questions.
"""

POOL = "\n".join(
    _quiz(
        f"bank-{i}", "single", f"Pool question {i}?\n\n- [x] yes-{i}\n- [ ] no-{i}\n- [ ] maybe-{i}"
    )
    for i in range(1, 6)
)

NOTES = "---\ntitle: Plain lesson\nminutes: 5\n---\nJust reading.\n"

FILES = {
    "course.md": COURSE,
    "01-m/01-quiz.md": LESSON,
    "01-m/02-timed.md": TIMED,
    "01-m/03-final.md": FINAL,
    "01-m/04-plain.md": NOTES,
    "pools/bank.md": POOL,
}
BASE = "/courses/quiz-course/lessons"


@pytest.fixture
def learner(sync_course, make_user, auth):
    sync_course(FILES)
    user = make_user("ann")
    auth.login("ann")
    return user


def _open(client, lesson: str) -> tuple[str, str]:
    """The lesson page with its quiz open, started from its start page if it has one."""
    page = client.get(f"{BASE}/{lesson}")
    assert page.status_code == 200
    if f"/{lesson}/quiz/start" in page.text:  # timed or attempt-limited: never opens on view
        client.post(f"{BASE}/{lesson}/quiz/start", data={"csrf_token": csrf_from(page.text)})
        page = client.get(f"{BASE}/{lesson}")
    token = re.search(r'name="attempt_token" value="([^"]+)"', page.text)
    return page.text, token.group(1) if token else ""


def _submit(client, lesson: str, token: str, answers: dict, html: str):  # noqa: ANN202
    """Post answers, confirming any left blank (asking first is tests/test_quiz_incomplete.py)."""
    data = {"csrf_token": csrf_from(html), "attempt_token": token, "confirm_incomplete": "1"}
    data |= answers
    return client.post(f"{BASE}/{lesson}/quiz", data=data)


def test_form_contract_fields_and_values(client, learner):
    html, token = _open(client, "quiz")
    assert token
    assert 'name="q-pick-get" value="1"' in html and 'name="q-pick-get" value="2"' in html
    assert 'name="q-name-it"' in html
    # Questions sit where they were written, inside the one form.
    assert html.index("Text before.") < html.index("q-pick-get") < html.index("Text between.")
    assert html.index("Text between.") < html.index("q-name-it") < html.index("Text after.")


def test_nothing_leaks_before_grading(client, learner):
    html, _token = _open(client, "quiz")
    for secret in ["FEEDBACK-POST", "EXPLANATION-GET", "HTTPS-ANSWER", "EXPLAIN-SHORT", "correct"]:
        assert secret not in html
    html, _token = _open(client, "final")
    assert "yes-" in html  # the options are shown...
    assert "correct" not in html  # ...but nothing says which is right


def test_passing_completes_the_lesson_and_keeps_the_score(client, learner, session):
    html, token = _open(client, "quiz")
    response = _submit(client, "quiz", token, {"q-pick-get": "1", "q-name-it": " https "}, html)
    assert response.status_code == 302
    result = client.get(response.headers["Location"])
    assert "Score: 100%" in result.text
    assert "Passed" in result.text
    assert "EXPLANATION-GET" in result.text  # after_pass: shown now
    progress = session.scalar(select(LessonProgress).where(LessonProgress.user_id == learner.id))
    assert progress.completed_at is not None and progress.best_score == 100
    assert session.scalar(select(Enrollment.best_score)) == 100


def test_failing_shows_feedback_but_not_the_answers_after_pass_policy(client, learner):
    html, token = _open(client, "quiz")
    response = _submit(client, "quiz", token, {"q-pick-get": "2", "q-name-it": "ftp"}, html)
    result = client.get(response.headers["Location"]).text
    assert "Score: 0%" in result
    assert "FEEDBACK-POST" in result  # feedback of the option chosen
    assert "GET-OPTION" not in result  # the right option is not revealed
    assert "HTTPS-ANSWER" not in result
    assert "EXPLANATION-GET" not in result


def test_replayed_submission_changes_nothing(client, learner, session):
    html, token = _open(client, "quiz")
    first = _submit(client, "quiz", token, {"q-pick-get": "2"}, html)
    again = _submit(client, "quiz", token, {"q-pick-get": "1", "q-name-it": "https"}, html)
    assert first.headers["Location"] == again.headers["Location"]
    assert "already submitted" in client.get(again.headers["Location"]).text
    attempts = session.scalars(select(QuizAttempt)).all()
    assert len(attempts) == 1 and attempts[0].score == 0


def test_attempt_limit_is_enforced_and_explained(client, learner, session):
    for _ in range(2):
        html, token = _open(client, "quiz")
        _submit(client, "quiz", token, {"q-pick-get": "2"}, html)
    html, token = _open(client, "quiz")
    assert token == ""
    assert "used all 2 attempts" in html
    assert session.scalar(select(func.count(QuizAttempt.id))) == 2
    assert session.scalar(select(LessonProgress.completed_at)) is None


def _table_rows(html: str) -> list[list[str]]:
    """The text of each body row's cells, tags dropped and spaces (even narrow ones) single."""
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    return [
        [
            " ".join(re.sub(r"<[^>]+>", "", cell).split())
            for cell in re.findall(r"<td>(.*?)</td>", row)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    ]


def test_attempts_page_lists_dates_and_scores(app, client, learner, session):
    html, token = _open(client, "quiz")
    _submit(client, "quiz", token, {"q-pick-get": "1"}, html)
    _open(client, "quiz")  # a second attempt, still open
    first, second = session.scalars(select(QuizAttempt).order_by(QuizAttempt.number))
    # Late evening in UTC is the next morning in the academy's time zone.
    first.started_at = datetime(2026, 3, 10, 23, 50, tzinfo=UTC)
    first.submitted_at = datetime(2026, 3, 10, 23, 58, tzinfo=UTC)
    second.started_at = datetime(2026, 3, 11, 1, 5, tzinfo=UTC)
    assert app.config["BABEL_DEFAULT_TIMEZONE"] == "Asia/Shanghai", "unset TIMEZONE to test"
    page = client.get(f"{BASE}/quiz/attempts")
    assert page.status_code == 200
    assert _table_rows(page.text) == [  # newest first
        ["2", "3/11/26, 9:05 AM", "In progress", "—", "—"],
        ["1", "3/11/26, 7:50 AM", "3/11/26, 7:58 AM", "50%", "✗ Not passed"],
    ]


def test_an_attempt_records_when_it_started_and_when_it_was_submitted(client, learner, session):
    before = utcnow()
    html, token = _open(client, "quiz")
    opened = utcnow()
    _submit(client, "quiz", token, {"q-pick-get": "1"}, html)
    after = utcnow()
    attempt = session.scalar(select(QuizAttempt).where(QuizAttempt.token == token))
    assert before <= attempt.started_at <= opened <= attempt.submitted_at <= after


def test_reopening_resumes_the_same_attempt(client, learner):
    _html, first = _open(client, "quiz")
    _html, second = _open(client, "quiz")
    assert first == second


def test_late_answers_are_not_accepted(client, learner, session):
    html, token = _open(client, "timed")
    attempt = session.scalar(select(QuizAttempt).where(QuizAttempt.token == token))
    attempt.deadline_at -= timedelta(minutes=5)
    response = _submit(client, "timed", token, {"q-timed-q": "true"}, html)
    result = client.get(response.headers["Location"]).text
    assert "could not be accepted" in result
    closed = session.scalar(select(QuizAttempt).where(QuizAttempt.token == token))
    assert closed.status == "submitted" and closed.timed_out and closed.score == 0


def test_answers_within_the_grace_period_count(client, learner, session):
    html, token = _open(client, "timed")
    attempt = session.scalar(select(QuizAttempt).where(QuizAttempt.token == token))
    attempt.deadline_at -= timedelta(seconds=70)  # 10 s past the deadline, inside the grace
    response = _submit(client, "timed", token, {"q-timed-q": "true"}, html)
    assert "Score: 100%" in client.get(response.headers["Location"]).text


def test_expired_open_attempt_is_closed_when_the_learner_starts_again(client, learner, session):
    _html, token = _open(client, "timed")
    attempt = session.scalar(select(QuizAttempt).where(QuizAttempt.token == token))
    attempt.deadline_at -= timedelta(minutes=5)
    _html, new_token = _open(client, "timed")
    assert new_token and new_token != token
    assert (
        session.scalar(select(QuizAttempt.status).where(QuizAttempt.token == token)) == "submitted"
    )


def test_countdown_deadline_is_on_the_form(client, learner):
    html, _token = _open(client, "timed")
    assert "data-deadline=" in html
    assert "Time limit: 1 minute. Answers are accepted until" in html


def test_draw_takes_fresh_questions_from_the_pool(client, learner, session):
    html, token = _open(client, "final")
    drawn = set(re.findall(r'name="q-(bank-\d)"', html))
    assert len(drawn) == 3
    items = session.scalars(select(AttemptItem.slug)).all()
    assert set(items) == drawn


def test_shuffle_is_fixed_within_an_attempt(client, learner):
    first, _ = _open(client, "final")
    again, _ = _open(client, "final")
    order = re.findall(r'name="q-(bank-\d)" value="(\d)"', first)
    assert order == re.findall(r'name="q-(bank-\d)" value="(\d)"', again)


def test_choice_values_are_source_positions_whatever_the_shown_order(client, learner, session):
    html, token = _open(client, "final")
    drawn = sorted(set(re.findall(r'name="q-(bank-\d)"', html)))
    # Option 1 is the right one in every pool question, wherever it was shown.
    response = _submit(client, "final", token, {f"q-{slug}": "1" for slug in drawn}, html)
    assert "Score: 100%" in client.get(response.headers["Location"]).text


def test_show_answers_never_hides_answers_even_after_passing(client, learner):
    html, token = _open(client, "final")
    drawn = sorted(set(re.findall(r'name="q-(bank-\d)"', html)))
    response = _submit(client, "final", token, {f"q-{slug}": "1" for slug in drawn}, html)
    result = client.get(response.headers["Location"]).text
    assert "Correct answer" not in result


def test_show_answers_after_submit_shows_them_on_a_fail(client, learner):
    html, token = _open(client, "timed")
    response = _submit(client, "timed", token, {"q-timed-q": "false"}, html)
    result = client.get(response.headers["Location"]).text
    assert "Correct answer: True" in result


def test_not_a_number_gets_a_clear_message(client, sync_course, make_user, auth):
    numeric = _quiz("how-many", "numeric", "How many seconds in a day?\n\n= 86400")
    files = dict(FILES)
    files["01-m/05-num.md"] = f"---\ntitle: Numbers\nminutes: 5\n---\n{numeric}"
    sync_course(files)
    make_user("ann")
    auth.login("ann")
    html, token = _open(client, "num")
    response = _submit(client, "num", token, {"q-how-many": "a lot"}, html)
    assert "is not a number" in client.get(response.headers["Location"]).text


def test_mark_complete_is_refused_for_a_quiz_lesson(client, learner):
    html, _token = _open(client, "quiz")
    response = client.post(f"{BASE}/quiz/complete", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302
    assert "completed by passing its quiz" in client.get(response.headers["Location"]).text


def test_someone_elses_token_is_not_found(client, learner, make_user, app):
    from tests.conftest import Auth

    html, token = _open(client, "quiz")
    make_user("bob")
    other = app.test_client()
    Auth(other).login("bob")
    page = other.get(f"{BASE}/quiz")
    response = other.post(
        f"{BASE}/quiz/quiz",
        data={"csrf_token": csrf_from(page.text), "attempt_token": token, "q-pick-get": "1"},
    )
    assert response.status_code == 404


def test_editing_a_question_later_changes_no_past_result(client, learner, sync_course, session):
    html, token = _open(client, "quiz")
    response = _submit(client, "quiz", token, {"q-pick-get": "1", "q-name-it": "https"}, html)
    changed = dict(FILES)
    changed["01-m/01-quiz.md"] = LESSON.replace(
        "- [x] GET-OPTION\n- [ ] POST-OPTION", "- [ ] GET-OPTION\n- [x] POST-OPTION"
    )
    sync_course(changed)
    result = client.get(response.headers["Location"]).text
    assert "Score: 100%" in result
    assert "GET-OPTION" in result
