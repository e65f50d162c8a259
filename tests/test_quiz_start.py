"""A timed or attempt-limited quiz starts from its start page (a POST), never on view.

The start page says the rules; a GET never creates, closes or consumes an attempt of such a
quiz, and neither does the result page: an attempt whose time ran out is shown as counted and
closed by the learner's next write (Start, or a submit).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import QuizAttempt
from tests.conftest import csrf_from

COURSE = (
    "---\nid: rules\ntitle: Rules\nsummary: S.\nlanguage: en\ncredit_hours: 1\n"
    "status: published\n---\nOverview.\n"
)


def _tf(qid: str) -> str:
    return f"::: quiz\nid: {qid}\ntype: truefalse\n\nStatement {qid}.\n\n= true\n:::\n"


TIMED = (
    "---\ntitle: Timed test\nminutes: 10\ntime_limit_minutes: 15\nmax_attempts: 2\n"
    "pass_percent: 100\nshow_answers: after_submit\ndraw: [{pool: bank, count: 2}]\n---\n"
    f"Read this first.\n\n{_tf('own')}"
)
LIMITED = "---\ntitle: Limited quiz\nminutes: 5\nmax_attempts: 3\n---\nText.\n\n" + _tf("limited-q")
OPEN = "---\ntitle: Open quiz\nminutes: 5\n---\nText.\n\n" + _tf("open-q")
FILES = {
    "course.md": COURSE,
    "01-m/01-timed.md": TIMED,
    "01-m/02-limited.md": LIMITED,
    "01-m/03-open.md": OPEN,
    "pools/bank.md": "\n".join(_tf(f"bank-{i}") for i in range(1, 4)),
}
BASE = "/courses/rules/lessons"


@pytest.fixture
def learner(sync_course, make_user, auth):
    sync_course(FILES)
    user = make_user("ann")
    auth.login("ann")
    return user


def _attempts(session) -> list[QuizAttempt]:  # noqa: ANN001
    session.rollback()
    session.expire_all()
    return list(session.scalars(select(QuizAttempt).order_by(QuizAttempt.number)))


def _start(client, lesson: str):  # noqa: ANN001, ANN202
    page = client.get(f"{BASE}/{lesson}").text
    return client.post(f"{BASE}/{lesson}/quiz/start", data={"csrf_token": csrf_from(page)})


def _token(html: str) -> str:
    return re.search(r'name="attempt_token" value="([^"]+)"', html).group(1)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_timed_quiz_shows_its_rules_and_opens_nothing_on_view(client, learner, session):
    for _visit in range(2):
        page = client.get(f"{BASE}/timed")
        assert page.status_code == 200
    html = page.text
    assert "attempt_token" not in html and 'name="q-' not in html
    assert f'action="{BASE}/timed/quiz/start"' in html
    text = _text(html)
    for rule in [
        "3 questions",
        "Pass mark: 100%.",
        "Time limit: 15 minutes",
        "not accepted",  # what happens when the time runs out
        "Attempts left: 2 of 2.",
        "The correct answers are shown after you submit.",
    ]:
        assert rule in text, rule
    assert "Read this first." in text  # the lesson itself is there to read
    assert _attempts(session) == []


def test_an_attempt_limited_quiz_shows_its_rules_first_too(client, learner, session):
    text = _text(client.get(f"{BASE}/limited").text)
    assert "1 question." in text and "Attempts left: 3 of 3." in text
    assert "Time limit" not in text
    assert _attempts(session) == []


def test_an_untimed_quiz_with_unlimited_attempts_still_opens_on_view(client, learner, session):
    assert "attempt_token" in client.get(f"{BASE}/open").text
    assert len(_attempts(session)) == 1


def test_start_opens_the_attempt_and_goes_back_to_the_quiz(client, learner, session):
    response = _start(client, "timed")
    assert response.status_code == 302
    assert response.headers["Location"] == f"{BASE}/timed#quiz"
    (attempt,) = _attempts(session)
    assert attempt.status == "open" and attempt.deadline_at is not None
    html = client.get(f"{BASE}/timed").text
    assert _token(html) == attempt.token
    assert len(re.findall(r'<fieldset class="question"', html)) == 3


def test_starting_again_resumes_the_open_attempt(client, learner, session):
    _start(client, "timed")
    _start(client, "timed")
    assert len(_attempts(session)) == 1


def test_start_needs_the_csrf_token(client, learner, session):
    client.get(f"{BASE}/timed")
    assert client.post(f"{BASE}/timed/quiz/start", data={}).status_code == 400
    assert _attempts(session) == []


def _expire(session, attempt: QuizAttempt) -> None:  # noqa: ANN001
    attempt.deadline_at -= timedelta(minutes=20)
    session.commit()


def test_an_expired_attempt_is_shown_as_counted_and_closed_by_the_next_start(
    client, learner, session
):
    _start(client, "timed")
    (attempt,) = _attempts(session)
    _expire(session, attempt)
    text = _text(client.get(f"{BASE}/timed").text)
    assert "The time for attempt 1 ran out" in text
    assert "Attempts left: 1 of 2." in text
    assert [a.status for a in _attempts(session)] == ["open"]  # the GET wrote nothing

    _start(client, "timed")
    first, second = _attempts(session)
    assert (first.status, first.timed_out, first.score) == ("submitted", True, 0)
    assert (second.number, second.status) == (2, "open")


def test_the_result_page_writes_nothing(client, learner, session):
    _start(client, "timed")
    html = client.get(f"{BASE}/timed").text
    data = {"csrf_token": csrf_from(html), "attempt_token": _token(html), "confirm_incomplete": "1"}
    first = client.post(f"{BASE}/timed/quiz", data=data)
    _start(client, "timed")
    _first, second = _attempts(session)
    _expire(session, second)
    result = client.get(first.headers["Location"])
    assert result.status_code == 200
    # The expired second attempt counts: none is left...
    assert "You have used all the attempts allowed" in result.text
    # ...but it is still open: closing it is left to the next write.
    assert [a.status for a in _attempts(session)] == ["submitted", "open"]


def test_no_start_when_every_attempt_is_used(client, learner, session):
    for _attempt in range(3):
        _start(client, "limited")
        html = client.get(f"{BASE}/limited").text
        data = {"csrf_token": csrf_from(html), "attempt_token": _token(html)}
        client.post(f"{BASE}/limited/quiz", data={**data, "q-limited-q": "false"})
    html = client.get(f"{BASE}/limited").text
    assert "quiz/start" not in html and "used all 3 attempts" in html
    response = _start(client, "limited")
    assert "used all the attempts" in client.get(response.headers["Location"]).text
    assert len(_attempts(session)) == 3


def test_start_sends_a_visitor_to_sign_in_first(client, sync_course, session):
    sync_course(FILES)
    token = csrf_from(client.get("/login").text)
    response = client.post(f"{BASE}/timed/quiz/start", data={"csrf_token": token})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _attempts(session) == []
