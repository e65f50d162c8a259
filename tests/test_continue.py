"""Where "continue" leads: the first lesson, in course order, that is not completed; and what
a passed quiz's result page offers next."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_from

COURSE = (
    "---\nid: path\ntitle: Path\nsummary: S.\nlanguage: en\ncredit_hours: 1\n"
    "status: published\n---\nOverview.\n"
)
QUIZ = (
    "---\ntitle: Lesson {title}\nminutes: 5\n---\nText.\n\n"
    "::: quiz\nid: q-{slug}\ntype: truefalse\n\nTrue?\n\n= true\n:::\n"
)


def _reading(title: str) -> str:
    return f"---\ntitle: Lesson {title}\nminutes: 5\n---\nBody of {title}.\n"


FILES = {
    "course.md": COURSE,
    "01-one/01-a.md": _reading("A"),
    "01-one/02-b.md": _reading("B"),
    "02-two/01-c.md": QUIZ.format(title="C", slug="c"),
    "02-two/02-d.md": QUIZ.format(title="D", slug="d"),
}


@pytest.fixture
def learner(sync_course, make_user, auth):
    sync_course(FILES)
    make_user("ann")
    auth.login("ann")


def _complete(client, slug: str) -> None:  # noqa: ANN001
    page = client.get(f"/courses/path/lessons/{slug}")
    response = client.post(
        f"/courses/path/lessons/{slug}/complete", data={"csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 302


def _pass(client, slug: str) -> str:  # noqa: ANN001
    """Pass a lesson's quiz; the result page's HTML."""
    html = client.get(f"/courses/path/lessons/{slug}").text
    token = re.search(r'name="attempt_token" value="([^"]+)"', html).group(1)
    data = {"csrf_token": csrf_from(html), "attempt_token": token, f"q-q-{slug}": "true"}
    response = client.post(f"/courses/path/lessons/{slug}/quiz", data=data)
    return client.get(response.headers["Location"]).text


def _continue_links(client) -> tuple[str, str]:  # noqa: ANN001
    """Where the dashboard's card and the course page's button lead."""
    dashboard = client.get("/").text.split('id="continue-heading"')[1]
    card = re.search(r'<h3 class="card-title"><a href="([^"]+)"', dashboard).group(1)
    course = client.get("/courses/path").text
    button = re.search(r'<a class="button" href="([^"]+)"', course).group(1)
    return card, button


def test_continue_skips_the_completed_lesson_visited_last(client, learner):
    _complete(client, "b")  # a is skipped; b, the last one visited, is done
    assert _continue_links(client) == ("/courses/path/lessons/a", "/courses/path/lessons/a")


def test_continue_goes_to_the_first_unfinished_lesson_not_the_last_visited(client, learner):
    _complete(client, "a")
    client.get("/courses/path/lessons/d")  # looked ahead, then left
    assert _continue_links(client) == ("/courses/path/lessons/b", "/courses/path/lessons/b")


def test_a_passed_quiz_leads_on_to_the_next_lesson(client, learner):
    result = _pass(client, "c")
    main_action = re.search(r'<a class="button" href="([^"]+)">([^<]+)</a>', result)
    assert main_action.groups() == ("/courses/path/lessons/d", "Next lesson")


def test_a_passed_quiz_at_the_end_of_the_course_leads_back_to_the_course(client, learner):
    result = _pass(client, "d")
    main_action = re.search(r'<a class="button" href="([^"]+)">([^<]+)</a>', result)
    assert main_action.groups() == ("/courses/path", "Back to the course")
