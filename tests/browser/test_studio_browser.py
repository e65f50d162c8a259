"""The trainer studio in a real browser: a zip with an error uploaded through the form, the error
followed to its highlighted line, fixed in the browser editor, previewed with and without answers
and published for a learner to see; the studio pages accessible and readable on a phone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser import axe_violations, horizontal_overflow, login
from tests.browser.conftest import DESKTOP_VIEWPORT
from tests.studio.conftest import BROKEN_LINE, course_files, course_zip

pytestmark = pytest.mark.browser

FOCUS_YELLOW = "rgb(255, 191, 71)"  # --focus in site.css
LANGUAGES = [pytest.param("en-US", "en", id="en"), pytest.param("zh-CN", "zh-Hans", id="zh")]


@pytest.mark.parametrize(("locale", "lang"), LANGUAGES)
def test_a_trainer_uploads_a_course_and_follows_an_error_to_its_line(
    new_page: Callable[..., Page],
    live_server: str,
    make_user,  # noqa: ANN001
    tmp_path: Path,
    locale: str,
    lang: str,
) -> None:
    make_user("tina", roles={"trainer"})
    archive = tmp_path / "newc.zip"
    files = course_files("newc", broken=True)
    # A long line of one word: the source view must wrap it, not make the phone scroll.
    files["01-m/01-read.md"] += "x" * 400 + "\n"
    archive.write_bytes(course_zip({"newc": files}).getvalue())
    page = new_page(locale=locale)
    login(page, live_server, "tina")
    found: dict = {}
    wide: dict = {}

    page.locator("header nav a[href='/studio']").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    _check(page, "home (empty)", found, wide)
    page.set_viewport_size(DESKTOP_VIEWPORT)
    page.locator("input[name=archive]").set_input_files(str(archive))
    page.locator("main form button[type=submit]").click()

    problem = page.locator(f"a[href$='02-quiz.md#L{BROKEN_LINE}']")
    expect(problem).to_be_visible()
    _check(page, "check page", found, wide)
    page.set_viewport_size(DESKTOP_VIEWPORT)
    problem.click()
    target = page.locator(f"tr#L{BROKEN_LINE}")
    expect(target).to_contain_text("type: essay")
    # The line the address names (`:target`) has the focus yellow, not just the problem tint.
    highlighted = target.evaluate("row => getComputedStyle(row).backgroundColor")
    assert highlighted == FOCUS_YELLOW
    _check(page, "source view", found, wide)
    page.goto(
        "/studio/revisions/"
        + page.url.split("/revisions/")[1].split("/")[0]
        + "/source/01-m/01-read.md"
    )
    _check(page, "source view with a long line", found, wide)
    page.set_viewport_size(DESKTOP_VIEWPORT)
    page.goto("/studio")
    expect(page.locator("table.studio-courses tbody tr")).to_have_count(1)
    _check(page, "home", found, wide)

    assert found == {}
    assert wide == {}


FIXED_QUIZ = (
    "---\ntitle: Quiz\nminutes: 5\n---\nText.\n\n::: quiz\nid: q1\ntype: single\n\n"
    "Which one is right?\n\n- [x] The right one\n- [ ] The wrong one\n\n"
    "Explanation: Right by definition.\n:::\n"
)


def test_a_trainer_fixes_the_error_in_the_browser_previews_and_publishes_for_a_learner(
    new_page: Callable[..., Page],
    live_server: str,
    make_user,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    make_user("tina", roles={"trainer"})
    make_user("lena")
    archive = tmp_path / "fixc.zip"
    archive.write_bytes(course_zip({"fixc": course_files("fixc", broken=True)}).getvalue())
    page = new_page()
    login(page, live_server, "tina")
    found: dict = {}
    wide: dict = {}
    page.goto("/studio")
    page.locator("input[name=archive]").set_input_files(str(archive))
    page.locator("main form[action$='/upload'] button[type=submit]").click()
    expect(page.locator(f"a[href$='02-quiz.md#L{BROKEN_LINE}']")).to_be_visible()

    # The check page lists the files; the quiz opens in the editor.
    page.locator("a[href$='/edit/01-m/02-quiz.md']").click()
    editor = page.locator("textarea[name=text]")
    expect(editor).to_contain_text("type: essay")
    editor.fill(FIXED_QUIZ)
    page.locator("button[value=check]").click()
    expect(page.locator("main")).to_contain_text("The checker found no problem.")
    expect(editor).to_have_value(FIXED_QUIZ)  # checking keeps the text being edited
    _check(page, "editor", found, wide)
    page.set_viewport_size(DESKTOP_VIEWPORT)
    page.locator("button[value=save]").click()
    expect(page.locator("form[action$='/publish']")).to_be_visible()

    page.locator("a[href$='/preview']").click()
    page.locator("a[href$='/preview/lessons/quiz']").click()
    expect(page.locator("main")).to_contain_text("Which one is right?")
    expect(page.locator("main")).not_to_contain_text("Right by definition.")
    _check(page, "preview", found, wide)
    page.set_viewport_size(DESKTOP_VIEWPORT)
    page.locator("a[href$='answers=1']").click()
    expect(page.locator("main")).to_contain_text("Right by definition.")
    _check(page, "preview with answers", found, wide)
    page.set_viewport_size(DESKTOP_VIEWPORT)

    page.go_back()
    page.go_back()
    page.go_back()
    publish = page.locator("form[action$='/publish']")
    publish.locator("input[type=checkbox]").check()
    publish.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/courses/fixc")

    learner = new_page()
    login(learner, live_server, "lena")
    learner.goto("/courses/fixc/lessons/quiz")
    expect(learner.locator("main")).to_contain_text("Which one is right?")
    assert found == {}
    assert wide == {}


def _check(page: Page, name: str, found: dict, wide: dict) -> None:
    """axe at the current (desktop) size, then the phone overflow check and axe again."""
    if violations := axe_violations(page):
        found[name] = violations
    if culprits := horizontal_overflow(page):
        wide[name] = culprits
    if violations := axe_violations(page):
        found[f"{name} at 360 px"] = violations
