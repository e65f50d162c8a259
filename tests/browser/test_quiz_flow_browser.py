"""Taking a quiz without slips, in a real browser: Enter in a typed answer moves on instead of
submitting the quiz, and a submission with questions left unanswered asks first, with
JavaScript (before anything is posted) and without (the server's confirmation page)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import QuizAttempt, User
from tests.browser import complete_all_but, login
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

# Three questions, in this order: numeric (100000), single (option 3), true/false (false).
PASSWORDS = "/courses/cyber-security-essentials/lessons/passwords"
SUBMIT = "form#quiz button.quiz-submit"
WARNING = "#quiz-warning"


@pytest.fixture
def ann(app: Flask, make_user) -> User:  # noqa: ANN001
    """A learner, with the cyber-security course in the database."""
    folder = ROOT / "courses" / "cyber-security-essentials"
    result = app.test_cli_runner().invoke(args=["courses", "sync", str(folder)])
    assert result.exit_code == 0, result.output
    return make_user("ann")


def _field(slug: str) -> str:
    return f"input[name='q-{slug}']"


def _posts(page: Page) -> list[str]:
    """The URLs of every POST the page sends from now on."""
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    return posts


def _statuses(session: Session, user: User) -> list[str]:
    session.rollback()
    return list(session.scalars(select(QuizAttempt.status).where(QuizAttempt.user_id == user.id)))


def _errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


def test_enter_in_a_typed_answer_moves_to_the_next_question(
    page: Page, live_server: str, ann: User, session: Session
) -> None:
    login(page, live_server, "ann")
    errors = _errors(page)
    page.goto(PASSWORDS)
    posts = _posts(page)
    page.locator(_field("pw-pin-count")).fill("100000")
    page.locator(_field("pw-pin-count")).press("Enter")
    # Focus is on the next question's first option; nothing was sent.
    expect(page.locator(f"{_field('pw-strongest')}").first).to_be_focused()
    expect(page).to_have_url(re.compile(r"/lessons/passwords$"))
    page.wait_for_timeout(300)  # a submission, had one started, would have left by now
    assert [url for url in posts if "/quiz" in url] == []
    assert _statuses(session, ann) == ["open"]
    expect(page.locator(_field("pw-pin-count"))).to_have_value("100000")
    assert errors == []


def test_unanswered_questions_are_named_before_posting_with_javascript(
    page: Page, live_server: str, ann: User, session: Session
) -> None:
    login(page, live_server, "ann")
    errors = _errors(page)
    page.goto(PASSWORDS)
    posts = _posts(page)
    page.locator(f"{_field('pw-strongest')}[value='3']").check()
    page.locator(SUBMIT).click()
    warning = page.locator(WARNING)
    expect(warning).to_be_visible()
    expect(warning).to_be_focused()
    expect(warning).to_contain_text("Questions 1 and 3 have no answer.")
    assert [url for url in posts if "/quiz" in url] == []

    # Go back: to the first question left unanswered, the warning put away.
    warning.get_by_role("button", name="Go back").click()
    expect(warning).to_be_hidden()
    expect(page.locator(_field("pw-pin-count"))).to_be_focused()
    page.keyboard.type("100000")
    page.locator(SUBMIT).click()
    expect(warning).to_contain_text("Question 3 has no answer.")
    assert [url for url in posts if "/quiz" in url] == []
    assert _statuses(session, ann) == ["open"]

    # Submit anyway: graded as it stands, without the server asking again.
    warning.get_by_role("button", name="Submit anyway").click()
    expect(page).to_have_url(re.compile(r"/passwords/attempts/1$"))
    expect(page.locator(".result-summary .big-number")).to_have_text("Score: 66.7%")
    assert _statuses(session, ann) == ["submitted"]
    assert errors == []


def test_unanswered_questions_are_named_by_the_server_without_javascript(
    new_page: Callable[..., Page], live_server: str, ann: User, session: Session
) -> None:
    page = new_page(locale="zh-CN", java_script_enabled=False)
    login(page, live_server, "ann")
    page.goto(PASSWORDS)
    page.locator(_field("pw-pin-count")).fill("100000")
    # Enter in a typed answer submits without JavaScript; the server asks before grading.
    page.locator(_field("pw-pin-count")).press("Enter")
    notice = page.locator(".quiz-incomplete")
    expect(notice).to_contain_text("第 2和3 题没有作答。")
    assert _statuses(session, ann) == ["open"]
    # The answer given is still there; Go back leads to the first question without one.
    expect(page.locator(_field("pw-pin-count"))).to_have_value("100000")
    notice.get_by_role("link", name="返回作答").click()
    expect(page).to_have_url(re.compile(r"#question-pw-strongest$"))
    page.locator(f"{_field('pw-strongest')}[value='3']").check()
    # Enter again, now on the confirmation page: the server asks again (question 3).
    page.locator(_field("pw-pin-count")).press("Enter")
    expect(page.locator(".quiz-incomplete")).to_contain_text("第 3 题没有作答。")
    assert _statuses(session, ann) == ["open"]
    page.locator(".quiz-incomplete").get_by_role("button", name="仍然提交").click()
    expect(page).to_have_url(re.compile(r"/passwords/attempts/1$"))
    expect(page.locator(".result-summary .big-number")).to_have_text("得分：66.7%")
    assert _statuses(session, ann) == ["submitted"]


def test_no_warning_once_the_time_is_up(
    page: Page, live_server: str, ann: User, session: Session
) -> None:
    """Past the deadline there is no time to go back: the answers go as they stand."""
    complete_all_but(session, ann, "cyber-security-essentials", "closing-test")
    login(page, live_server, "ann")
    page.clock.install()
    page.goto("/courses/cyber-security-essentials/lessons/closing-test")
    page.locator(".quiz-start button[type=submit]").click()
    expect(page.locator("fieldset.question")).to_have_count(10)
    # 20 minutes and 5 seconds later, for the page and the server alike: inside the grace.
    page.clock.fast_forward("20:05")
    session.rollback()
    attempt = session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == ann.id)).one()
    attempt.deadline_at -= timedelta(minutes=20, seconds=5)
    session.commit()
    page.locator(SUBMIT).click()
    expect(page).to_have_url(re.compile(r"/closing-test/attempts/1$"))
    assert _statuses(session, ann) == ["submitted"]
