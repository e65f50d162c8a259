"""HR and administration pages in a real browser: a course assigned with the keyboard, then
the assignment list, the unit reports with their chart and the admin pages accessible in both
languages and readable on a phone, and a report downloaded as a CSV file."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Assignment, Course, Lesson, User
from app.progress import recording as progress
from tests import factories
from tests.browser import axe_violations, horizontal_overflow, login, tab_until
from tests.browser.conftest import DESKTOP_VIEWPORT
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

# Browser locales and the <html lang> the app answers each with.
LANGUAGES = [pytest.param("en-US", "en", id="en"), pytest.param("zh-CN", "zh-Hans", id="zh")]

SLUG = "cyber-security-essentials"
TITLE = "Cyber and data security for every civil servant"
UNIT = "CITY"
UNIT_NAME = "City government"


@pytest.fixture
def staff(app: Flask, session: Session, make_user) -> None:  # noqa: ANN001
    """A city with two offices, an HR officer for the city, an administrator, two learners
    (one has finished a lesson), and the cyber-security course."""
    folder = ROOT / "courses" / SLUG
    result = app.test_cli_runner().invoke(args=["courses", "sync", str(folder)])
    assert result.exit_code == 0, result.output
    city = factories.unit(session, UNIT, UNIT_NAME)
    office_a = factories.unit(session, "CITY-A", "Office of finance", city)
    office_b = factories.unit(session, "CITY-B", "Office of civil affairs", city)
    session.commit()
    make_user("hana", full_name="Hana Ito", roles={"hr"}, unit=city)
    make_user("root", full_name="Root Admin", roles={"admin"}, unit=city)
    ann = make_user("ann", full_name="Ann Lee", unit=office_a)
    make_user("bo", full_name="Bo Chen", unit=office_b)
    course = session.scalars(select(Course).where(Course.slug == SLUG)).one()
    lesson = session.scalars(
        select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position)
    ).first()
    progress.complete_lesson(session, session.get(User, ann.id), course, lesson)
    session.commit()


def _assign_with_the_keyboard(page: Page, session: Session) -> None:
    page.goto("/assignments/")
    page.locator("#unit_code").fill(UNIT)
    page.locator("#course").select_option(SLUG)
    page.locator("#due_date").fill("2030-06-30")
    tab_until(page, "main form button[type=submit]", max_presses=15)
    page.keyboard.press("Enter")
    expect(page.locator(".flash-success")).to_contain_text(TITLE)
    expect(page.locator("main table tbody tr")).to_have_count(1)
    session.rollback()
    session.expire_all()
    (assignment,) = session.scalars(select(Assignment)).all()
    assert assignment.unit.code == UNIT and assignment.course.slug == SLUG


# Each page, with what shows it is in the state worth checking.
HR_PAGES = {
    "/assignments/": "main table tbody tr",
    f"/reports/units/{UNIT}": "figure.chart svg",
    f"/reports/units/{UNIT}/learners": "table.report tbody tr",
    f"/reports/units/{UNIT}/courses/{SLUG}": "table.report tbody tr",
}
ADMIN_PAGES = {"/admin/users": "main table tbody tr", "/admin/units": ".unit-tree li"}


def _check_pages(page: Page, pages: dict[str, str], lang: str, found: dict, wide: dict) -> None:
    """On each page: axe at desktop size; then at 360 px, the overflow check and axe again
    (that is where wide tables scroll, and a scrolling region must be reachable by keyboard)."""
    for path, proof in pages.items():
        page.set_viewport_size(DESKTOP_VIEWPORT)
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.locator(proof).first).to_be_visible()
        if violations := axe_violations(page):
            found[path] = violations
        if culprits := horizontal_overflow(page):
            wide[path] = culprits
        if violations := axe_violations(page):
            found[f"{path} at 360 px"] = violations


@pytest.mark.parametrize(("locale", "lang"), LANGUAGES)
def test_staff_pages_are_accessible_and_fit_a_phone(
    new_page: Callable[..., Page],
    live_server: str,
    staff: None,
    session: Session,
    locale: str,
    lang: str,
) -> None:
    found: dict = {}
    wide: dict = {}
    hr = new_page(locale=locale)
    login(hr, live_server, "hana")
    _assign_with_the_keyboard(hr, session)
    _check_pages(hr, HR_PAGES, lang, found, wide)

    admin = new_page(locale=locale)
    login(admin, live_server, "root")
    _check_pages(admin, ADMIN_PAGES, lang, found, wide)

    assert found == {}
    assert wide == {}


def test_report_downloads_as_a_csv_file(
    page: Page, live_server: str, staff: None, session: Session
) -> None:
    login(page, live_server, "hana")
    _assign_with_the_keyboard(page, session)
    page.goto(f"/reports/units/{UNIT}")
    with page.expect_download() as download:
        page.locator("p.downloads a", has_text="CSV").click()
    name = download.value.suggested_filename
    assert name.endswith(".csv") and UNIT in name, name
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert "Office of finance" in text
