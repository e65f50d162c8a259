"""The sign-in, home and password pages in a real browser: accessible, keyboard-operable,
readable on a phone, and light enough for a slow county network."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser import (
    PHONE_VIEWPORT,
    SIGN_OUT_FORM,
    axe_violations,
    has_visible_focus,
    horizontal_overflow,
    login,
    page_weight,
    switch_language,
    tab_until,
)

pytestmark = pytest.mark.browser

# Browser locales and the <html lang> the app answers each with.
LANGUAGES = [pytest.param("en-US", "en", id="en"), pytest.param("zh-CN", "zh-Hans", id="zh")]
ACCOUNT_PAGES = ["/", "/account/password"]
LOGIN_PAGE_BUDGET_BYTES = 60 * 1024


@pytest.mark.parametrize(("locale", "lang"), LANGUAGES)
def test_account_pages_have_no_serious_accessibility_violations(
    new_page: Callable[..., Page], live_server: str, make_user, locale: str, lang: str
) -> None:
    make_user("ann")
    page = new_page(locale=locale)
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    assert axe_violations(page) == [], "/login"
    # The error state matters most: that is when a screen-reader user needs the messages tied
    # to their fields.
    page.locator("main form button[type=submit]").click()
    expect(page.locator("input[name=username]")).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == [], "/login with errors"

    login(page, live_server, "ann")
    for path in ACCOUNT_PAGES:
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        assert axe_violations(page) == [], path


def test_keyboard_alone_signs_in_and_out(page: Page, make_user) -> None:
    make_user("ann", full_name="Ann Lee")
    page.goto("/login")

    # The first Tab must reach the skip link, hidden until then, which shows itself when focused.
    skip_link = page.locator("a.skip-link")
    expect(skip_link).not_to_be_in_viewport()
    page.keyboard.press("Tab")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    assert has_visible_focus(page), "the skip link shows no focus indicator"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    tab_until(page, "input[name=username]")
    page.keyboard.type("ann")
    page.keyboard.press("Tab")
    expect(page.locator("input[name=password]")).to_be_focused()
    page.keyboard.type(factories.PASSWORD)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Ann Lee")
    tab_until(page, f"{SIGN_OUT_FORM} button")
    page.keyboard.press("Space")

    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator(SIGN_OUT_FORM)).to_have_count(0)


@pytest.mark.parametrize(("locale", "lang"), LANGUAGES)
def test_account_pages_fit_a_360_pixel_wide_phone(
    new_page: Callable[..., Page], live_server: str, make_user, locale: str, lang: str
) -> None:
    make_user("ann", full_name="Annabelle Montgomery-Featherstonehaugh")
    page = new_page(locale=locale, viewport=PHONE_VIEWPORT)
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    assert horizontal_overflow(page) == [], "/login"

    login(page, live_server, "ann")
    for path in ACCOUNT_PAGES:
        page.goto(path)
        assert horizontal_overflow(page) == [], path


def test_login_page_html_css_and_js_weigh_under_60_kb(page: Page, live_server: str) -> None:
    weight = page_weight(page, f"{live_server}/login")

    kinds = {kind for kind, _, _ in weight.resources}
    assert {"document", "stylesheet"} <= kinds, weight.resources
    assert weight.decoded < LOGIN_PAGE_BUDGET_BYTES, weight.resources
    assert weight.transferred < LOGIN_PAGE_BUDGET_BYTES, weight.resources


def test_header_buttons_are_labelled_and_reachable_by_keyboard(
    page: Page, live_server: str, make_user
) -> None:
    make_user("ann")
    login(page, live_server, "ann")

    buttons = page.locator("header button")
    assert buttons.count() >= 2, "expected the sign-out and language buttons in the header"
    for index in range(buttons.count()):
        expect(buttons.nth(index)).to_have_accessible_name(re.compile(r"\S"))

    language = page.locator("form.lang-switch button")
    expect(language).to_have_accessible_name("中文")
    expect(language).to_have_attribute("lang", "zh-Hans")
    tab_until(page, "form.lang-switch button")
    page.keyboard.press("Enter")

    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(language).to_have_accessible_name("English")
    expect(language).to_have_attribute("lang", "en")
    switch_language(page)
    expect(page.locator("html")).to_have_attribute("lang", "en")
