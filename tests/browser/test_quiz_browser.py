"""Quizzes in a real browser: taken with the keyboard alone in both languages, results that
show only what `show_answers` allows, a countdown that needs no JavaScript to be fair, one
attempt however often the button is pressed, and pages that are accessible and fit a phone."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import QuizAttempt, User
from tests.browser import (
    axe_violations,
    complete_all_but,
    focused_element,
    has_visible_focus,
    horizontal_overflow,
    login,
    tab_until,
)
from tests.browser.conftest import DESKTOP_VIEWPORT
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

# Browser locales and the <html lang> the app answers each with.
LANGUAGES = [pytest.param("en-US", "en", id="en"), pytest.param("zh-CN", "zh-Hans", id="zh")]

CYBER = "/courses/cyber-security-essentials"
# Three questions, in this order: numeric (100000), single (option 3), true/false (false).
PASSWORDS = f"{CYBER}/lessons/passwords"
# Three questions: multiple with partial scoring (options 1, 2 and 5), numeric (100), single (3).
MFA = f"{CYBER}/lessons/multi-factor-login"
# Ten questions drawn from the pool and shuffled, 20 minutes, answers shown after submitting.
CLOSING_TEST = f"{CYBER}/lessons/closing-test"

SUBMIT = "form#quiz button.quiz-submit"
# Submitting with questions left unanswered asks first: the script's warning, or the server's
# confirmation page without JavaScript. Both have this button.
SUBMIT_ANYWAY = "form#quiz button[name=confirm_incomplete]:visible"

# What the result page says, in each interface language.
WORDS = {
    "en": {
        "heading": "Result of attempt {n}",
        "score": "Score: {score}%",
        "passed": "✓ Passed. The lesson is complete.",
        "not_passed": "✗ Not passed yet.",
    },
    "zh-Hans": {
        "heading": "第 {n} 次测验结果",
        "score": "得分：{score}%",
        "passed": "✓ 已通过，本节课已完成。",
        "not_passed": "✗ 尚未通过。",
    },
}


@pytest.fixture
def cyber_course(app: Flask) -> None:
    """The cyber-security course, synced as `flask --app app courses sync PATH` does."""
    folder = ROOT / "courses" / "cyber-security-essentials"
    result = app.test_cli_runner().invoke(args=["courses", "sync", str(folder)])
    assert result.exit_code == 0, result.output


@pytest.fixture
def ann(make_user, cyber_course: None) -> User:  # noqa: ANN001
    """A learner, with the course in the database."""
    return make_user("ann", full_name="Ann Lee")


def _signed_in(new_page: Callable[..., Page], live_server: str, **options) -> Page:  # noqa: ANN003
    page = new_page(**options)
    login(page, live_server, "ann")
    return page


def _field(slug: str) -> str:
    return f"input[name='q-{slug}']"


def _focus_is_visible(page: Page) -> None:
    assert has_visible_focus(page), f"no visible focus on {focused_element(page)}"


def _focused_value(page: Page) -> str:
    return page.evaluate("() => document.activeElement.value")


def _choose_radio_by_keyboard(page: Page, slug: str, value: str) -> None:
    """Tab into a radio group, then move down it with the arrow keys until `value` is checked
    (options are in source order: these lessons do not shuffle)."""
    tab_until(page, _field(slug), max_presses=40)
    if page.locator(f"{_field(slug)}:checked").count() == 0 and _focused_value(page) == value:
        page.keyboard.press("Space")
    for _ in range(8):
        if _focused_value(page) == value:
            break
        page.keyboard.press("ArrowDown")
        _focus_is_visible(page)
    expect(page.locator(f"{_field(slug)}:checked")).to_have_value(value)
    expect(page.locator(f"{_field(slug)}[value='{value}']")).to_be_focused()


def _type_by_keyboard(page: Page, slug: str, text: str) -> None:
    tab_until(page, _field(slug), max_presses=40)
    page.keyboard.type(text)
    expect(page.locator(_field(slug))).to_have_value(text)


def _submit_by_keyboard(page: Page, key: str) -> None:
    tab_until(page, SUBMIT, max_presses=10)
    page.keyboard.press(key)
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))


def _expect_result(page: Page, lang: str, number: int, score: str, passed: bool) -> None:
    words = WORDS[lang]
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(words["heading"].format(n=number))
    expect(page.locator(".result-summary .big-number")).to_have_text(
        words["score"].format(score=score)
    )
    verdict = page.locator(".result-summary .ok, .result-summary .fail").locator("strong")
    expect(verdict).to_have_text(words["passed" if passed else "not_passed"])


def _attempts(session: Session, user: User) -> list[QuizAttempt]:
    session.rollback()
    session.expire_all()
    query = select(QuizAttempt).where(QuizAttempt.user_id == user.id)
    return list(session.scalars(query.order_by(QuizAttempt.id)))


# 1. Keyboard alone ----------------------------------------------------------------------------


@pytest.mark.parametrize(("locale", "lang"), LANGUAGES)
def test_keyboard_alone_takes_quizzes_and_reads_the_result(
    new_page: Callable[..., Page],
    live_server: str,
    ann: User,
    session: Session,
    locale: str,
    lang: str,
) -> None:
    page = _signed_in(new_page, live_server, locale=locale)

    # Every answer right: a number typed, a radio option and a true/false chosen with the arrows.
    page.goto(PASSWORDS)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    # The interface's words around a question are marked in the interface's language, the
    # question itself in the course's.
    expect(page.locator("fieldset.question legend").first).to_have_attribute("lang", lang)
    prompt_lang = page.locator(".question-prompt").first.evaluate("e => e.closest('[lang]').lang")
    assert prompt_lang == "en"
    _type_by_keyboard(page, "pw-pin-count", "100000")
    _choose_radio_by_keyboard(page, "pw-strongest", "3")
    _choose_radio_by_keyboard(page, "pw-reuse", "false")
    tab_until(page, SUBMIT, max_presses=10)
    # Shift+Tab goes back into the last group, to its checked option, and nothing changed.
    page.keyboard.press("Shift+Tab")
    expect(page.locator(f"{_field('pw-reuse')}[value='false']")).to_be_focused()
    _focus_is_visible(page)
    expect(page.locator(f"{_field('pw-reuse')}:checked")).to_have_value("false")
    _submit_by_keyboard(page, "Enter")
    _expect_result(page, lang, 1, "100", passed=True)

    # Checkboxes ticked with Space, two right and one wrong: partial scoring gives
    # (2 - 1) / 3 of a point, so (1/3 + 1 + 1) / 3 = 77.8%, under the pass mark of 80%.
    page.goto(MFA)
    for position in ("1", "2", "4"):
        tab_until(page, f"{_field('mfa-factors')}[value='{position}']", max_presses=40)
        page.keyboard.press("Space")
    expect(page.locator(f"{_field('mfa-factors')}:checked")).to_have_count(3)
    _type_by_keyboard(page, "mfa-code-values", "100")
    _choose_radio_by_keyboard(page, "mfa-code-share", "3")
    _submit_by_keyboard(page, "Space")
    _expect_result(page, lang, 1, "77.8", passed=False)

    attempts = _attempts(session, ann)
    assert [(a.score, a.passed, a.status) for a in attempts] == [
        (100.0, True, "submitted"),
        (77.8, False, "submitted"),
    ]


# 2. What a wrong answer shows -----------------------------------------------------------------


def test_wrong_answers_show_their_feedback_but_not_the_correct_answers(
    page: Page, live_server: str, ann: User
) -> None:
    login(page, live_server, "ann")
    page.goto(PASSWORDS)
    page.locator(_field("pw-pin-count")).fill("10000")
    page.locator(f"{_field('pw-strongest')}[value='1']").check()
    page.locator(f"{_field('pw-reuse')}[value='true']").check()
    page.locator(SUBMIT).click()
    _expect_result(page, "en", 1, "0", passed=False)

    results = page.locator("ol.results")
    expect(results.locator(".result-item.wrong")).to_have_count(3)
    # The chosen option is shown with its feedback...
    expect(results.locator(".tag", has_text="Your choice")).to_have_count(1)
    expect(results.locator(".feedback")).to_have_text(
        "Name plus year is one of the first patterns attackers try, even though it has a "
        "capital, a symbol and digits."
    )
    expect(results).to_contain_text("Your answer: 10000")
    expect(results).to_contain_text("Your answer: True")
    # ...but with `show_answers: after_pass` (the default) nothing gives the answers away: no
    # correct option, no accepted value, no explanation.
    expect(results.locator(".tag-ok")).to_have_count(0)
    expect(results.locator(".explanation")).to_have_count(0)
    expect(results).not_to_contain_text("Correct answer")
    expect(results).not_to_contain_text("Four unrelated words")
    expect(results).not_to_contain_text("100,000")
    expect(page.locator("main")).to_contain_text("The correct answers are shown once you pass.")


# 3. The closing test: pool, shuffle, time limit -------------------------------------------------

_SECONDS_LEFT = re.compile(r"^⏱ (\d+):(\d\d)$")


def _seconds_left(page: Page) -> int:
    text = page.locator(".countdown").inner_text().strip()
    match = _SECONDS_LEFT.match(text)
    assert match, text
    return int(match[1]) * 60 + int(match[2])


def _drawn_from_the_pool(page: Page) -> None:
    """Ten different questions, all from the course's `final` pool (ids `final-...`)."""
    names = page.locator("fieldset.question input").evaluate_all(
        "inputs => [...new Set(inputs.map(i => i.name))]"
    )
    assert len(names) == 10 and all(n.startswith("q-final-") for n in names), names


def _recorded_score(session: Session, user: User) -> str:
    """The score of the learner's only attempt, as the result page writes it."""
    (attempt,) = _attempts(session, user)
    assert attempt.status == "submitted" and not attempt.timed_out
    assert attempt.score is not None and attempt.score < 80
    return f"{attempt.score:g}"


def _start(page: Page) -> None:
    """Read the start page of the closing test (nothing has started yet), then press Start."""
    start = page.locator(".quiz-start")
    expect(start).to_contain_text("10 questions.")
    expect(start).to_contain_text("Time limit: 20 minutes, counted from when you press Start.")
    expect(start).to_contain_text("Attempts left: 3 of 3.")
    expect(page.locator("fieldset.question")).to_have_count(0)
    start.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/closing-test#quiz$"))


def test_closing_test_starts_from_its_start_page_and_counts_down(
    page: Page, live_server: str, ann: User, session: Session
) -> None:
    complete_all_but(session, ann, "cyber-security-essentials", "closing-test")
    login(page, live_server, "ann")
    # A fake clock, so that a minute passes in no time.
    page.clock.install()
    page.goto(CLOSING_TEST)
    expect(page.locator(".countdown")).to_have_count(0)
    assert _attempts(session, ann) == []  # looking at the test started nothing
    _start(page)
    expect(page.locator("fieldset.question")).to_have_count(10)
    _drawn_from_the_pool(page)
    countdown = page.locator(".countdown")
    expect(countdown).to_be_visible()
    expect(countdown).to_have_text(_SECONDS_LEFT)
    before = _seconds_left(page)
    assert 19 * 60 <= before <= 20 * 60, before
    page.clock.run_for(61_000)
    after = _seconds_left(page)
    assert 60 <= before - after <= 62, (before, after)


def test_closing_test_works_without_javascript(
    new_page: Callable[..., Page], live_server: str, ann: User, session: Session
) -> None:
    complete_all_but(session, ann, "cyber-security-essentials", "closing-test")
    page = _signed_in(new_page, live_server, java_script_enabled=False)
    page.goto(CLOSING_TEST)
    _start(page)
    expect(page.locator("fieldset.question")).to_have_count(10)
    _drawn_from_the_pool(page)
    # The deadline is written in words; the script's countdown simply never shows.
    expect(page.locator(".timer")).to_contain_text("Time limit: 20 minutes.")
    expect(page.locator(".countdown")).to_be_hidden()
    # Eight of the 17 pool questions have no radio buttons, so any ten drawn include some.
    page.locator("fieldset.question input[type=radio]").first.check()
    page.locator(SUBMIT).click()
    # Nine questions have no answer: the server asks first, then grades what was given.
    expect(page.locator(".quiz-incomplete")).to_contain_text("have no answer.")
    expect(page.locator("fieldset.question input[type=radio]:checked")).to_have_count(1)
    page.locator(SUBMIT_ANYWAY).click()
    expect(page).to_have_url(re.compile(r"/closing-test/attempts/1$"))
    _expect_result(page, "en", 1, _recorded_score(session, ann), passed=False)
    # `show_answers: after_final`: with two attempts left, the answers stay hidden.
    expect(page.locator(".result-item")).to_have_count(10)
    expect(page.locator(".tag-ok")).to_have_count(0)
    expect(page.locator("main")).to_contain_text(
        "The correct answers are shown once you pass or have used every attempt."
    )


# 4. Double submit -----------------------------------------------------------------------------


class _SlowQuizPosts:
    """WSGI middleware that holds each quiz submission for a moment before the app sees it,
    as a slow county network would, so that a second click always comes before the answer."""

    def __init__(self, wsgi_app, seconds: float) -> None:  # noqa: ANN001
        self.wsgi_app = wsgi_app
        self.seconds = seconds

    def __call__(self, environ: dict, start_response):  # noqa: ANN204, ANN001
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"].endswith("/quiz"):
            time.sleep(self.seconds)
        return self.wsgi_app(environ, start_response)


def test_clicking_submit_twice_records_one_attempt(
    app: Flask, page: Page, live_server: str, ann: User, session: Session
) -> None:
    login(page, live_server, "ann")
    page.goto(PASSWORDS)
    page.locator(_field("pw-pin-count")).fill("100000")
    page.locator(f"{_field('pw-strongest')}[value='3']").check()
    page.locator(f"{_field('pw-reuse')}[value='false']").check()
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    app.wsgi_app = _SlowQuizPosts(app.wsgi_app, seconds=0.4)

    # Two clicks in quick succession, the second as soon as the first submission has left.
    # (Clicks closer together, a `dblclick` among them, Chromium merges into one submission,
    # which would test nothing.)
    button = page.locator(SUBMIT)
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    with page.expect_request(lambda r: r.method == "POST"):
        page.mouse.click(x, y)
    page.mouse.click(x, y)
    _expect_result(page, "en", 1, "100", passed=True)
    # Both submissions left the browser; the page shown answers the second, a replay, with
    # the result the first one recorded.
    assert len(posts) == 2, posts
    expect(page.locator(".flash-info")).to_have_text(
        "These answers were already submitted. Here is the recorded result."
    )

    attempts = _attempts(session, ann)
    assert len(attempts) == 1, attempts
    assert (attempts[0].status, attempts[0].score, attempts[0].passed) == ("submitted", 100, True)
    assert session.scalar(select(func.count()).select_from(QuizAttempt)) == 1


# 5. Accessibility and phone screens -----------------------------------------------------------


def _check(page: Page, name: str, found: dict, overflowing: dict) -> None:
    """Axe on the page as a desktop shows it; then at 360 px, the overflow check and axe again
    (where wide tables scroll, and a scrolling region must be reachable by keyboard)."""
    if violations := axe_violations(page):
        found[name] = violations
    if culprits := horizontal_overflow(page):
        overflowing[name] = culprits
    if violations := axe_violations(page):
        found[f"{name} at 360 px"] = violations
    page.set_viewport_size(DESKTOP_VIEWPORT)


@pytest.mark.parametrize(("locale", "lang"), LANGUAGES)
def test_quiz_pages_are_accessible_and_fit_a_phone(
    new_page: Callable[..., Page],
    live_server: str,
    ann: User,
    session: Session,
    locale: str,
    lang: str,
) -> None:
    page = _signed_in(new_page, live_server, locale=locale)
    found: dict = {}
    overflowing: dict = {}

    # An open attempt, then a result with every kind of message: a wrong choice with its
    # feedback, text that is not a number, a question left unanswered.
    page.goto(PASSWORDS)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator(_field("pw-pin-count"))).to_be_visible()
    _check(page, "passwords: open attempt", found, overflowing)
    page.locator(_field("pw-pin-count")).fill("lots")
    page.locator(f"{_field('pw-strongest')}[value='2']").check()
    page.locator(SUBMIT).click()
    # The script's warning: one question left unanswered.
    expect(page.locator("#quiz-warning")).to_be_visible()
    _check(page, "passwords: unanswered warning", found, overflowing)
    # The server's confirmation, as a browser without JavaScript gets it (form.submit() does
    # not go through the script).
    page.evaluate("() => document.querySelector('form#quiz').submit()")
    expect(page.locator(".quiz-incomplete")).to_be_visible()
    _check(page, "passwords: unanswered confirmation", found, overflowing)
    page.locator(SUBMIT_ANYWAY).click()
    expect(page.locator(".result-item .error")).to_be_visible()
    expect(page.locator(".result-item .feedback")).to_be_visible()
    _check(page, "passwords: result", found, overflowing)

    # The closing test: its start page, then the test with its time limit and countdown, and
    # a result showing the answers.
    complete_all_but(session, ann, "cyber-security-essentials", "closing-test")
    page.goto(CLOSING_TEST)
    expect(page.locator(".quiz-start")).to_be_visible()
    _check(page, "closing test: start page", found, overflowing)
    page.locator(".quiz-start button[type=submit]").click()
    expect(page.locator(".countdown")).to_be_visible()
    _check(page, "closing test: open attempt", found, overflowing)
    page.locator(SUBMIT).click()
    page.locator(SUBMIT_ANYWAY).click()
    expect(page.locator(".result-item").first).to_be_visible()
    _check(page, "closing test: result", found, overflowing)

    page.goto(f"{PASSWORDS}/attempts")
    expect(page.locator("table tbody tr")).to_have_count(1)
    _check(page, "passwords: attempts", found, overflowing)

    assert found == {}
    assert overflowing == {}
