"""What a quiz accepts as an answer, and how the result page writes the correct ones."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.models import AttemptItem, QuizAttempt
from tests.conftest import csrf_from

COURSE = (
    "---\nid: answers\ntitle: Answers\nsummary: S.\nlanguage: en\ncredit_hours: 1\n"
    "status: published\n---\nOverview.\n"
)
CHOICES = """---
title: Choices
minutes: 5
---
::: quiz
id: several
type: multiple

Which are protocols?

- [x] HTTP
- [ ] HTML
- [x] SMTP
:::

::: quiz
id: one
type: single

Which reads?

- [x] GET
- [ ] POST
:::
"""
BASE = "/courses/answers/lessons/choices"


@pytest.fixture
def learner(sync_course, make_user, auth):
    sync_course({"course.md": COURSE, "01-m/01-choices.md": CHOICES})
    make_user("ann")
    auth.login("ann")


def _post(client, answers: list[tuple[str, str]]):  # noqa: ANN202
    html = client.get(BASE).text
    token = re.search(r'name="attempt_token" value="([^"]+)"', html).group(1)
    data = [("csrf_token", csrf_from(html)), ("attempt_token", token), *answers]
    return client.post(f"{BASE}/quiz", data=MultiDict(data))


def _submitted(session) -> int:  # noqa: ANN001
    session.rollback()
    return session.scalar(
        select(func.count(QuizAttempt.id)).where(QuizAttempt.status == "submitted")
    )


@pytest.mark.parametrize(
    "choices",
    [
        pytest.param(["1"] * 1500, id="one-option-1500-times"),
        pytest.param(["1", "3", "4"], id="no-such-option"),
        pytest.param(["0"], id="position-zero"),
        pytest.param(["1", "1"], id="same-option-twice"),
        pytest.param(["01"], id="not-written-as-a-position"),
        pytest.param(["-1"], id="negative"),
    ],
)
def test_multiple_choice_takes_only_option_positions_each_once(client, learner, session, choices):
    answers = [("q-several", value) for value in choices] + [("q-one", "1")]
    assert _post(client, answers).status_code == 400
    assert _submitted(session) == 0


@pytest.mark.parametrize(
    "choices",
    [
        pytest.param(["x" * 50] * 100_000, id="100000-long-values"),
        pytest.param(["1"] * 10_000, id="10000-repeated-values"),
        pytest.param(["1" * 1024 * 1024], id="a-1-MB-value"),
    ],
)
def test_a_choice_posted_at_any_size_is_refused_as_too_large(client, learner, session, choices):
    answers = [("q-several", value) for value in choices] + [("q-one", "1")]
    response = _post(client, answers)
    assert response.status_code == 413
    assert "more than this page accepts" in response.text
    assert _submitted(session) == 0


@pytest.mark.parametrize("value", ["3", "GET", "1,2"])
def test_single_choice_takes_only_an_option_position(client, learner, session, value):
    response = _post(client, [("q-several", "1"), ("q-one", value)])
    assert response.status_code == 400
    assert _submitted(session) == 0


def test_a_choice_left_unanswered_is_graded_as_unanswered(client, learner, session):
    response = _post(client, [("q-several", "1"), ("q-several", "3"), ("confirm_incomplete", "1")])
    assert response.status_code == 302
    result = client.get(response.headers["Location"]).text
    assert "Score: 50%" in result and "Not answered." in result


def test_valid_choices_are_graded(client, learner, session):
    response = _post(client, [("q-several", "3"), ("q-several", "1"), ("q-one", "1")])
    assert response.status_code == 302
    assert "Score: 100%" in client.get(response.headers["Location"]).text
    assert _submitted(session) == 1


NUMBERS = """---
title: Numbers
minutes: 5
show_answers: after_submit
---
::: quiz
id: big
type: numeric

How many?

= 100000
:::

::: quiz
id: whole
type: numeric

How many?

= 3
:::

::: quiz
id: about-pi
type: numeric

Pi?

= 3.14 +- 0.01
:::

::: quiz
id: between
type: numeric

Between?

= 0.5 .. 2.25
:::
"""


@pytest.mark.parametrize(
    ("language", "says"),
    [
        # As written: a tolerance stays a tolerance, a range a range.
        ("en", ["Correct answer: 100,000", "Correct answer: 3", "3.14 ± 0.01", "from 0.5 to 2.25"]),
        ("zh", ["正确答案：100,000", "正确答案：3", "3.14 ± 0.01", "0.5 至 2.25"]),
    ],
)
def test_numeric_answers_are_written_as_numbers_in_the_page_s_language(
    client, sync_course, make_user, auth, language, says
):
    sync_course({"course.md": COURSE, "01-m/01-numbers.md": NUMBERS})
    make_user("ann")
    auth.login("ann")
    headers = {"Accept-Language": language}
    html = client.get("/courses/answers/lessons/numbers", headers=headers).text
    token = re.search(r'name="attempt_token" value="([^"]+)"', html).group(1)
    data = {"csrf_token": csrf_from(html), "attempt_token": token}
    data |= {f"q-{qid}": "7" for qid in ("big", "whole", "about-pi", "between")}
    response = client.post("/courses/answers/lessons/numbers/quiz", data=data, headers=headers)
    result = client.get(response.headers["Location"], headers=headers).text
    text = re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", result))
    # Not 100000.0 or 3.0: no number ends in a bare ".0".
    assert "100000" not in text and not re.search(r"\d\.0(?!\d)", text)
    for words in says:
        assert re.sub(r"\s+", "", words) in text, words


TYPED = """---
title: Typed
minutes: 5
---
::: quiz
id: word
type: short

Which word?

= open
:::

::: quiz
id: fact
type: truefalse

True?

= true
:::
"""
TYPED_BASE = "/courses/answers/lessons/typed"


@pytest.fixture
def typed(sync_course, make_user, auth):
    sync_course({"course.md": COURSE, "01-m/01-typed.md": TYPED})
    make_user("ann")
    auth.login("ann")


def _post_typed(client, answers: list[tuple[str, str]]):  # noqa: ANN202
    html = client.get(TYPED_BASE).text
    token = re.search(r'name="attempt_token" value="([^"]+)"', html).group(1)
    data = [("csrf_token", csrf_from(html)), ("attempt_token", token), *answers]
    return client.post(f"{TYPED_BASE}/quiz", data=MultiDict(data))


def test_a_typed_answer_over_500_characters_is_refused_with_a_message(client, typed, session):
    response = _post_typed(client, [("q-word", "a" * 501), ("q-fact", "true")])
    assert response.status_code == 400
    assert "longer than 500 characters" in response.text
    assert _submitted(session) == 0


def test_a_typed_answer_of_500_characters_is_stored_whole(client, typed, session):
    response = _post_typed(client, [("q-word", "a" * 500), ("q-fact", "true")])
    assert response.status_code == 302
    session.rollback()
    responses = sorted(session.scalars(select(AttemptItem.response)), key=str)
    assert responses == ["a" * 500, "true"]


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param([("q-fact", "maybe")], id="not-true-or-false"),
        pytest.param([("q-fact", "true"), ("q-fact", "false")], id="both"),
        pytest.param([("q-fact", "true"), ("q-word", "a"), ("q-word", "b")], id="two-texts"),
    ],
)
def test_a_typed_answer_the_form_cannot_send_is_refused(client, typed, session, answers):
    response = _post_typed(client, [("q-word", "open"), *answers])
    assert response.status_code == 400
    assert "not one the quiz form offers" in response.text
    assert _submitted(session) == 0
