"""A submission with unanswered questions asks first: nothing is graded until the learner
submits anyway (`confirm_incomplete=1`), and the answers given so far are kept."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import QuizAttempt
from tests.conftest import csrf_from

COURSE = (
    "---\nid: blanks\ntitle: Blanks\nsummary: S.\nlanguage: en\ncredit_hours: 1\n"
    "status: published\n---\nOverview.\n"
)


def _q(qid: str, kind: str, body: str) -> str:
    return f"::: quiz\nid: {qid}\ntype: {kind}\n\nQuestion {qid}?\n\n{body}\n:::\n"


# Seven questions of every kind, in this order.
SEVEN = [
    ("one", "single", "- [x] right\n- [ ] wrong"),
    ("two", "multiple", "- [x] a\n- [x] b\n- [ ] c"),
    ("three", "short", "= https"),
    ("four", "truefalse", "= true"),
    ("five", "numeric", "= 42"),
    ("six", "truefalse", "= false"),
    ("seven", "short", "= seven"),
]
QUIZ = "---\ntitle: Seven\nminutes: 5\n---\nText.\n\n" + "\n".join(_q(*q) for q in SEVEN)
SHUFFLED = "---\ntitle: Mixed up\nminutes: 5\nshuffle: true\n---\nText.\n\n" + "\n".join(
    _q(f"m-{qid}", kind, body) for qid, kind, body in SEVEN[:4]
)
TIMED = "---\ntitle: Timed\nminutes: 5\ntime_limit_minutes: 5\n---\nText.\n\n" + "\n".join(
    _q(f"t-{qid}", kind, body) for qid, kind, body in SEVEN[:2]
)
FILES = {
    "course.md": COURSE,
    "01-m/01-seven.md": QUIZ,
    "01-m/02-mixed.md": SHUFFLED,
    "01-m/03-timed.md": TIMED,
}
BASE = "/courses/blanks/lessons"
ALL_BUT_3_AND_7 = [
    ("q-one", "1"),
    ("q-two", "1"),
    ("q-two", "2"),
    ("q-four", "true"),
    ("q-five", "42"),
    ("q-six", "false"),
]


@pytest.fixture
def learner(sync_course, make_user, auth):
    sync_course(FILES)
    make_user("ann")
    auth.login("ann")


def _open(client, lesson: str, headers: dict | None = None) -> tuple[str, dict]:  # noqa: ANN001
    html = client.get(f"{BASE}/{lesson}", headers=headers).text
    if "/quiz/start" in html:
        client.post(f"{BASE}/{lesson}/quiz/start", data={"csrf_token": csrf_from(html)})
        html = client.get(f"{BASE}/{lesson}", headers=headers).text
    token = re.search(r'name="attempt_token" value="([^"]+)"', html).group(1)
    return html, {"csrf_token": csrf_from(html), "attempt_token": token}


def _post(client, lesson: str, fields: dict, answers: list, headers: dict | None = None):  # noqa: ANN001, ANN202
    from werkzeug.datastructures import MultiDict

    data = MultiDict([*fields.items(), *answers])
    return client.post(f"{BASE}/{lesson}/quiz", data=data, headers=headers)


def _statuses(session) -> list[str]:  # noqa: ANN001
    session.rollback()
    return list(session.scalars(select(QuizAttempt.status)))


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_unanswered_questions_are_named_and_nothing_is_graded(client, learner, session):
    _html, fields = _open(client, "seven")
    response = _post(client, "seven", fields, ALL_BUT_3_AND_7)
    assert response.status_code == 200
    assert "Questions 3 and 7 have no answer." in _text(response.text)
    assert _statuses(session) == ["open"]


def test_the_confirmation_keeps_the_answers_and_offers_go_back_and_submit_anyway(client, learner):
    _html, fields = _open(client, "seven")
    answers = [*ALL_BUT_3_AND_7[:-1], ("q-seven", "  seven ")]  # 3 and 6 left out
    html = _post(client, "seven", fields, answers).text
    assert "Questions 3 and 6 have no answer." in _text(html)
    # The same attempt's form, with every answer given so far filled in.
    assert f'name="attempt_token" value="{fields["attempt_token"]}"' in html
    for checked in [
        'name="q-one" value="1" checked',
        'name="q-two" value="1" checked',
        'name="q-two" value="2" checked',
        'name="q-four" value="true" checked',
    ]:
        assert checked in html, checked
    assert 'name="q-two" value="3" checked' not in html
    assert re.search(r'name="q-five"[^>]*value="42"', html)
    assert re.search(r'name="q-seven"[^>]*value="seven"', html)
    assert 'name="q-six" value="false" checked' not in html
    # Go back leads to the first unanswered question; Submit anyway confirms.
    go_back = re.search(r'<a [^>]*href="#question-three"[^>]*>\s*Go back\s*</a>', html)
    assert go_back, "no Go back link to question 3"
    assert re.search(
        r'<button type="submit"[^>]*name="confirm_incomplete" value="1"[^>]*>\s*Submit anyway', html
    )


def test_submit_anyway_grades_what_was_given(client, learner, session):
    _html, fields = _open(client, "seven")
    answers = [*ALL_BUT_3_AND_7, ("confirm_incomplete", "1")]
    response = _post(client, "seven", fields, answers)
    assert response.status_code == 302
    result = client.get(response.headers["Location"]).text
    assert "Score: 71.4%" in result  # 5 of 7
    assert _statuses(session) == ["submitted"]


def test_one_unanswered_question_is_said_in_the_singular(client, learner):
    _html, fields = _open(client, "seven")
    answers = [*ALL_BUT_3_AND_7, ("q-three", "https")]
    assert "Question 7 has no answer." in _text(_post(client, "seven", fields, answers).text)


def test_a_blank_submission_names_every_question(client, learner, session):
    _html, fields = _open(client, "seven")
    html = _post(client, "seven", fields, [("q-three", "   ")]).text
    assert "Questions 1, 2, 3, 4, 5, 6, and 7 have no answer." in _text(html)
    assert _statuses(session) == ["open"]


def test_the_warning_speaks_chinese(client, learner):
    zh = {"Accept-Language": "zh"}
    _html, fields = _open(client, "seven", headers=zh)
    html = _post(client, "seven", fields, ALL_BUT_3_AND_7, headers=zh).text
    assert "第 3和7 题没有作答。" in _text(html)


def test_questions_are_numbered_as_shown_when_shuffled(client, learner):
    html, fields = _open(client, "mixed")
    shown = dict(re.findall(r'id="question-m-(\w+)".*?Question (\d) of 4', html, flags=re.DOTALL))
    answers = [("q-m-one", "1"), ("q-m-two", "1"), ("q-m-four", "true")]
    text = _text(_post(client, "mixed", fields, answers).text)
    assert f"Question {shown['three']} has no answer." in text


def test_a_timed_attempt_past_its_deadline_is_graded_as_it_stands(client, learner, session):
    _html, fields = _open(client, "timed")
    session.rollback()
    attempt = session.scalar(select(QuizAttempt))
    attempt.deadline_at -= timedelta(minutes=5, seconds=10)  # in the grace period
    session.commit()
    response = _post(client, "timed", fields, [("q-t-one", "1")])
    assert response.status_code == 302
    assert "Score: 50%" in client.get(response.headers["Location"]).text
    assert _statuses(session) == ["submitted"]


def test_a_timed_attempt_within_its_time_still_asks(client, learner, session):
    _html, fields = _open(client, "timed")
    response = _post(client, "timed", fields, [("q-t-one", "1")])
    assert "Question 2 has no answer." in _text(response.text)
    assert "data-deadline=" in response.text  # the countdown goes on on the confirmation
    assert _statuses(session) == ["open"]
