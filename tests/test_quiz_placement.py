"""Where a lesson page shows the questions of an attempt: its own ones where they were written,
questions drawn from a pool after the lesson's content, and every one numbered as shown."""

from __future__ import annotations

import re

import pytest

COURSE = (
    "---\nid: mixed\ntitle: Mixed\nsummary: S.\nlanguage: en\ncredit_hours: 1\n"
    "status: published\n---\nOverview.\n"
)


def _tf(qid: str) -> str:
    return f"::: quiz\nid: {qid}\ntype: truefalse\n\nStatement {qid}.\n\n= true\n:::\n"


def _lesson(shuffle: bool) -> str:
    return (
        "---\ntitle: Mixed lesson\nminutes: 5\n"
        f"draw: [{{pool: bank, count: 2}}]\nshuffle: {'true' if shuffle else 'false'}\n---\n"
        f"Text before.\n\n{_tf('own-1')}\nText between.\n\n{_tf('own-2')}\nText at the end.\n"
    )


def _files(shuffle: bool) -> dict[str, str]:
    return {
        "course.md": COURSE,
        "01-m/01-mixed.md": _lesson(shuffle),
        "pools/bank.md": "\n".join(_tf(f"bank-{i}") for i in range(1, 4)),
    }


@pytest.mark.parametrize("shuffle", [False, True], ids=["in-order", "shuffled"])
def test_drawn_questions_are_shown_after_the_content_and_numbered_with_the_rest(
    client, sync_course, make_user, auth, shuffle
):
    sync_course(_files(shuffle))
    make_user("ann")
    auth.login("ann")
    html = client.get("/courses/mixed/lessons/mixed").text
    shown = re.findall(r'<fieldset class="question" id="question-([\w-]+)"', html)
    drawn = [slug for slug in shown if slug.startswith("bank-")]
    assert len(drawn) == 2, shown
    assert sorted(shown) == sorted(["own-1", "own-2", *drawn])  # each question once
    end = html.index("Text at the end.")
    assert all(html.index(f'id="question-{slug}"') > end for slug in drawn)
    if not shuffle:  # the lesson's own questions stay where they were written
        assert html.index("Text before.") < html.index('id="question-own-1"')
        assert html.index('id="question-own-1"') < html.index("Text between.")
        assert html.index("Text between.") < html.index('id="question-own-2"') < end
    # Numbered in the order they appear on the page, 1 to 4.
    numbers = re.findall(r"Question (\d) of 4", html)
    assert numbers == ["1", "2", "3", "4"]


def test_the_words_around_a_question_follow_the_interface_language(
    client, sync_course, make_user, auth
):
    sync_course(_files(shuffle=False))
    make_user("ann")
    auth.login("ann")
    html = client.get("/courses/mixed/lessons/mixed", headers={"Accept-Language": "zh"}).text
    assert "第 1 题，共 4 题" in html and "分值：1" in html
    assert "Question 1 of 4" not in html
