"""The learner's pages in a real browser: dashboard, catalogue, course and lessons are
accessible in both languages, usable by keyboard alone, readable on a phone, light enough for
a slow county network, and their small scripts and switches behave."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import ConsoleMessage, Error, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.content.check import check_paths
from app.models import Course, Lesson, User
from app.progress import recording as progress
from tests.browser import (
    PHONE_VIEWPORT,
    axe_violations,
    complete_all_but,
    horizontal_overflow,
    login,
    page_weight,
    tab_until,
)
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

# Browser locales and the <html lang> the app answers each with.
LANGUAGES = [pytest.param("en-US", "en", id="en"), pytest.param("zh-CN", "zh-Hans", id="zh")]

CYBER = "/courses/cyber-security-essentials"
CYBER_TITLE = "Cyber and data security for every civil servant"
ZH_COURSE = "/courses/digital-government-foundations"
REQUIRED_COURSE = "/courses/data-as-a-resource"
QUIZ_LESSON = f"{CYBER}/lessons/passwords"
# The closing test draws its questions from the course's pool instead.
POOL_TEST_LESSON = f"{CYBER}/lessons/closing-test"
TABLE_LESSON = f"{CYBER}/lessons/classified-sensitive-personal-data"
SVG_LESSON = f"{CYBER}/lessons/incidents-and-defence-line"
ZH_TABLE_AND_SVG_LESSON = f"{ZH_COURSE}/lessons/key-tasks"

LESSON_PAGE_BUDGET_BYTES = 60 * 1024
HEAVIEST_LESSONS_WEIGHED = 3


def _sync(app: Flask, *paths: Path) -> None:
    """Import courses as `flask --app app courses sync [PATH]...` does (all shipped ones by
    default: the app's COURSES_DIR is the repository's courses/ folder)."""
    result = app.test_cli_runner().invoke(args=["courses", "sync", *map(str, paths)])
    assert result.exit_code == 0, result.output


@pytest.fixture
def shipped_courses(app: Flask) -> None:
    """Every course in the repository's courses/ folder."""
    _sync(app)


@pytest.fixture
def cyber_course(app: Flask) -> None:
    """Only the cyber-security course, for tests that need just one lesson (faster)."""
    _sync(app, ROOT / "courses" / "cyber-security-essentials")


@pytest.fixture
def ann(make_user) -> User:  # noqa: ANN001
    """A learner without any progress."""
    return make_user("ann", full_name="Ann Lee")


@pytest.fixture
def learner(shipped_courses: None, ann: User, session: Session) -> User:
    """Ann, with something on every part of her dashboard: a course in progress, a completed
    course with its credit hours, and an overdue required course."""
    _complete(session, ann, "cyber-security-essentials", ["passwords"])
    _complete(session, ann, "digital-government-foundations")
    # Required through her unit, already past its due date.
    from app.assignments.services import assign
    from tests import factories

    unit = factories.unit(session, "BUREAU")
    assign(session, unit, _course(session, "data-as-a-resource"), due_date=date(2020, 1, 31))
    session.get(User, ann.id).unit_id = unit.id
    session.commit()
    return ann


def _course(session: Session, slug: str) -> Course:
    return session.scalars(select(Course).where(Course.slug == slug)).one()


def _complete(
    session: Session, user: User, course_slug: str, lesson_slugs: list[str] | None = None
) -> None:
    """Complete lessons (all of the course by default) as passing their quizzes would."""
    course = _course(session, course_slug)
    query = select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position)
    for lesson in session.scalars(query):
        if lesson_slugs is None or lesson.slug in lesson_slugs:
            progress.complete_lesson(session, user, course, lesson)
    session.commit()


@pytest.fixture
def reading_lesson(app: Flask, shipped_courses: None, tmp_path: Path) -> str:
    """The URL of "account-habits" with its quiz taken out, so that it is completed with the
    "Mark as complete" button: every shipped lesson has questions, in its text or drawn from a
    pool. The cyber-security course is synced again from a copy that differs only there."""
    folder = tmp_path / "courses" / "cyber-security-essentials"
    shutil.copytree(ROOT / "courses" / "cyber-security-essentials", folder)
    lesson = folder / "01-accounts-and-logins" / "03-account-habits.md"
    text = lesson.read_text(encoding="utf-8")
    without_quiz = re.sub(r"(?ms)^::: quiz$.*?^:::$\n?", "", text)
    assert without_quiz != text, "the lesson has no quiz to take out"
    lesson.write_text(without_quiz, encoding="utf-8")
    _sync(app, folder)
    return f"{CYBER}/lessons/account-habits"


def _signed_in_page(new_page: Callable[..., Page], live_server: str, **options) -> Page:  # noqa: ANN003
    page = new_page(**options)
    login(page, live_server, "ann")
    return page


# 1. Accessibility -----------------------------------------------------------------------------

# Each page, with what shows it is in the state worth checking (quiz fields are `q-<id>`).
LEARNER_PAGES = {
    "/": ".card progress",
    "/courses": ".cards",
    "/courses?q=zzzz": ".empty",
    CYBER: ".lessons",
    QUIZ_LESSON: "input[name^='q-']",
    # The closing test requires every other lesson: it lists what is left, with links.
    POOL_TEST_LESSON: ".requires a",
    ZH_COURSE: ".lessons",
}


@pytest.mark.parametrize(("locale", "lang"), LANGUAGES)
def test_learner_pages_have_no_serious_accessibility_violations(
    new_page: Callable[..., Page],
    live_server: str,
    learner,
    reading_lesson: str,
    locale: str,
    lang: str,
) -> None:
    page = _signed_in_page(new_page, live_server, locale=locale)
    found = {}
    pages = {**LEARNER_PAGES, reading_lesson: "form[action$='/complete'] button"}
    for path, proof in pages.items():
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.locator(proof).first).to_be_visible()
        if violations := axe_violations(page):
            found[path] = violations
    assert found == {}

    # Axe cannot tell the language of a course title; a screen reader needs it to read the
    # title in the right voice whatever the interface language. One course from each part of
    # the dashboard: in progress, completed, required.
    page.goto("/")
    expect(page.locator(".overdue")).to_be_visible()
    for course, title_lang in [(CYBER, "en"), (ZH_COURSE, "zh-Hans"), (REQUIRED_COURSE, "zh-Hans")]:
        link = page.locator(f"main a[href$='{course}'], main a[href*='{course}/lessons/']")
        expect(link).to_have_attribute("lang", title_lang)


# 2. Keyboard ----------------------------------------------------------------------------------


def test_keyboard_alone_completes_a_lesson(
    page: Page, live_server: str, ann, reading_lesson: str
) -> None:
    login(page, live_server, "ann")
    page.goto("/")
    lesson_link = f"a[href$='{reading_lesson}']"

    tab_until(page, "header nav a[href$='/courses']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Courses")

    tab_until(page, f"main a[href$='{CYBER}']", max_presses=40)
    expect(page.get_by_role("link", name=CYBER_TITLE)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(CYBER_TITLE)
    progress_text = page.locator(".progress-text").first
    expect(progress_text).to_have_text("0 of 10 lessons (0%)")
    expect(page.locator(".lessons li.done")).to_have_count(0)

    tab_until(page, f"main {lesson_link}", max_presses=40)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Everyday account habits")

    tab_until(page, "form[action$='/complete'] button", max_presses=60)
    expect(page.locator("*:focus")).to_have_text("Mark as complete")
    page.keyboard.press("Space")

    # Marking it complete goes on to the next lesson and says what happened.
    expect(page).to_have_url(re.compile(r"/lessons/recognising-phishing$"))
    expect(page.locator(".flash-success")).to_have_text("Lesson marked as complete.")

    tab_until(page, f"nav.breadcrumb a[href$='{CYBER}']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(CYBER_TITLE)
    expect(progress_text).to_have_text("1 of 10 lessons (10%)")
    done = page.locator(".lessons li.done")
    expect(done).to_have_count(1)
    expect(done.locator(lesson_link)).to_be_visible()
    expect(done.locator(".done-mark")).to_have_text("✓ Completed")


# 3. Phone screens -----------------------------------------------------------------------------

PHONE_PAGES = ["/", "/courses", CYBER, TABLE_LESSON, SVG_LESSON, ZH_COURSE, ZH_TABLE_AND_SVG_LESSON]
# What makes those lessons worth checking: they really hold a wide table or an SVG drawing.
TABLE, SVG = ".prose table", ".prose img[src*='.svg']"
WIDE_CONTENT = {TABLE_LESSON: [TABLE], SVG_LESSON: [SVG], ZH_TABLE_AND_SVG_LESSON: [TABLE, SVG]}


@pytest.mark.parametrize(("locale", "lang"), LANGUAGES)
def test_learner_pages_fit_a_360_pixel_wide_phone(
    new_page: Callable[..., Page], live_server: str, learner, locale: str, lang: str
) -> None:
    page = _signed_in_page(new_page, live_server, locale=locale, viewport=PHONE_VIEWPORT)
    overflowing, violations = {}, {}
    for path in PHONE_PAGES:
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        for selector in WIDE_CONTENT.get(path, []):
            expect(page.locator(selector).first).to_be_visible()
        if culprits := horizontal_overflow(page):
            overflowing[path] = culprits
        # At phone width a wide table must not become a scroll region only a mouse can move.
        if found := axe_violations(page):
            violations[path] = found
    assert overflowing == {}
    assert violations == {}


# 4. Page weight -------------------------------------------------------------------------------


def _heaviest_lessons(count: int) -> list[str]:
    """URLs of the published lessons with the largest Markdown files, largest first."""
    report = check_paths([ROOT / "courses"])
    sized = [
        (Path(lesson.path).stat().st_size, f"/courses/{course.id}/lessons/{lesson.id}")
        for course in report.courses
        if course.status == "published"
        for lesson in course.lessons()
    ]
    return [url for _size, url in sorted(sized, reverse=True)[:count]]


def test_heaviest_lesson_pages_weigh_under_60_kb(
    new_page: Callable[..., Page], live_server: str, shipped_courses: None, ann, session: Session
) -> None:
    complete_all_but(session, ann, "cyber-security-essentials", "closing-test")
    page = _signed_in_page(new_page, live_server)
    # A closing test is short to write but shows the questions it draws from the pool, once
    # it is started from its start page.
    page.goto(POOL_TEST_LESSON)
    page.locator(".quiz-start button[type=submit]").click()
    expect(page.locator("fieldset.question").first).to_be_visible()
    signed_in = page.context.storage_state()
    for path in [*_heaviest_lessons(HEAVIEST_LESSONS_WEIGHED), POOL_TEST_LESSON]:
        # A fresh context each time, so that nothing comes from the cache.
        weight = page_weight(new_page(storage_state=signed_in), f"{live_server}{path}")
        print(
            f"\n{path}: {weight.decoded} bytes of HTML, CSS and JS "
            f"({weight.transferred} transferred): "
            + ", ".join(f"{kind} {size}" for kind, _url, size in weight.resources)
        )
        kinds = sorted({kind for kind, _, _ in weight.resources})
        assert kinds == ["document", "script", "stylesheet"], weight.resources
        assert weight.decoded < LESSON_PAGE_BUDGET_BYTES, (path, weight.resources)
        assert weight.transferred < LESSON_PAGE_BUDGET_BYTES, (path, weight.resources)


# 5. Larger text -------------------------------------------------------------------------------


def _body_font_px(page: Page) -> float:
    # After the switch's redirect the new page's markup can be there before its stylesheet is.
    page.wait_for_load_state("load")
    return page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")


def test_larger_text_switch_is_remembered_until_switched_off(
    page: Page, live_server: str, ann
) -> None:
    login(page, live_server, "ann")
    page.goto("/courses")
    switch = page.locator("form.text-switch button")
    expect(switch).to_have_accessible_name("Larger text")
    expect(switch).to_have_attribute("aria-pressed", "false")
    normal = _body_font_px(page)

    switch.click()
    # Back on the same page, with the text larger.
    expect(switch).to_have_attribute("aria-pressed", "true")
    expect(page).to_have_url(re.compile(r"/courses$"))
    large = _body_font_px(page)
    assert large > normal * 1.15, (normal, large)

    page.goto("/")
    expect(switch).to_have_attribute("aria-pressed", "true")
    assert _body_font_px(page) == large
    page.reload()
    expect(switch).to_have_attribute("aria-pressed", "true")
    assert _body_font_px(page) == large

    switch.click()
    expect(switch).to_have_attribute("aria-pressed", "false")
    assert _body_font_px(page) == normal


# 6. Time on task ------------------------------------------------------------------------------


def test_lesson_script_loads_without_errors_and_counts_time(
    page: Page, live_server: str, cyber_course: None, ann
) -> None:
    errors: list[str] = []

    def keep_error(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    def keep_page_error(error: Error) -> None:
        errors.append(str(error))

    login(page, live_server, "ann")
    page.on("console", keep_error)
    page.on("pageerror", keep_page_error)
    # A fake clock, so that thirty seconds of reading take no time.
    page.clock.install()
    with page.expect_response(re.compile(r"/static/js/lesson\.js$")) as script:
        page.goto(QUIZ_LESSON)
    assert script.value.ok

    page.mouse.move(100, 200)
    with page.expect_response(re.compile(r"/lessons/passwords/heartbeat$")) as beat:
        page.clock.run_for(31_000)
    assert beat.value.ok
    assert beat.value.json() == {"seconds": 30}
    assert errors == []


def test_lesson_works_the_same_without_javascript(
    new_page: Callable[..., Page], live_server: str, cyber_course: None, ann
) -> None:
    page = _signed_in_page(new_page, live_server, java_script_enabled=False)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(QUIZ_LESSON)
    expect(page.get_by_role("heading", level=1)).to_have_text("Passwords that actually protect you")
    expect(page.locator(".prose")).to_contain_text("passphrase")
    expect(page.locator("input[name^='q-']").first).to_be_visible()
    assert [url for url in requested if "/heartbeat" in url] == []


# 7. Reduced motion ----------------------------------------------------------------------------

_SLOW_TRANSITION = """el => {
  el.style.transition = 'color 1s';
  return getComputedStyle(el).transitionDuration;
}"""


def test_reduced_motion_turns_transitions_off(page: Page, live_server: str) -> None:
    # The site has no transition of its own yet: give a link one, as a future style would.
    page.goto("/login")
    link = page.locator("a.brand")
    assert link.evaluate(_SLOW_TRANSITION) == "1s"

    page.emulate_media(reduced_motion="reduce")
    assert page.evaluate("matchMedia('(prefers-reduced-motion: reduce)').matches")
    assert link.evaluate(_SLOW_TRANSITION) == "0s"
