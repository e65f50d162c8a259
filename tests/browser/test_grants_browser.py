"""Extra attempts in a real browser: a learner who used every attempt is granted one by their
HR officer from the learner record page, sees who granted it and why, and passes; the record
page is accessible and fits a phone in both languages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.assignments.services import assign
from app.models import AttemptGrant, Course
from tests import factories
from tests.browser import axe_violations, horizontal_overflow, login
from tests.browser.conftest import DESKTOP_VIEWPORT

pytestmark = pytest.mark.browser

LANGUAGES = [pytest.param("en-US", "en", id="en"), pytest.param("zh-CN", "zh-Hans", id="zh")]

COURSE = (
    "---\nid: grants\ntitle: Data security basics\nsummary: S.\nlanguage: en\n"
    "credit_hours: 2\nstatus: published\n---\nOverview.\n"
)
QUIZ = (
    "---\ntitle: Final check\nminutes: 5\nmax_attempts: 1\npass_percent: 100\n---\n"
    "Answer carefully: you have one attempt.\n\n"
    "::: quiz\nid: backup\ntype: truefalse\n\n"
    "Keep a copy of important data offline.\n\n= true\n:::\n"
)
LESSON = "/courses/grants/lessons/final"
RECORD = "/reports/units/CITY/learners/ann"
REASON = "The office network failed during the quiz"


@pytest.fixture
def world(sync_course, session: Session, make_user) -> None:  # noqa: ANN001
    """A city with an office, its HR officer, a learner in the office, the course assigned."""
    sync_course({"course.md": COURSE, "01-m/01-final.md": QUIZ}, folder="grants")
    city = factories.unit(session, "CITY", "City government")
    office = factories.unit(session, "CITY-A", "Office of finance", city)
    assign(
        session, city, session.scalar(select(Course).where(Course.slug == "grants")), due_date=None
    )
    session.commit()
    make_user("hana", full_name="Hana Ito", roles={"hr"}, unit=city)
    make_user("ann", full_name="Ann Lee", unit=office)


def _answer(page: Page, value: str, number: int) -> None:
    """Open the quiz (from its start page if it has one), answer, submit: attempt `number`."""
    page.goto(LESSON)
    start = page.locator("form[action$='/quiz/start'] button[type=submit]")
    if start.count():
        start.click()
    page.locator(f"input[name='q-backup'][value='{value}']").check()
    page.locator("form#quiz button.quiz-submit").click()
    expect(page).to_have_url(f"{LESSON}/attempts/{number}")


def test_a_learner_who_used_every_attempt_is_granted_one_by_hr_and_passes(
    new_page: Callable[..., Page], live_server: str, world: None, session: Session
) -> None:
    learner = new_page()
    login(learner, live_server, "ann")
    _answer(learner, "false", 1)
    expect(learner.locator(".result-summary .fail")).to_contain_text("Not passed yet.")
    learner.goto(LESSON)
    expect(learner.locator("#quiz-status .notice")).to_contain_text(
        "your training officer can grant you another attempt"
    )
    expect(learner.locator("form#quiz")).to_have_count(0)

    hr = new_page()
    login(hr, live_server, "hana")
    hr.goto("/reports/units/CITY/learners")
    hr.get_by_role("link", name="ann", exact=True).click()
    expect(hr).to_have_url(RECORD)
    expect(hr.get_by_role("heading", level=1)).to_have_text("Learning record: Ann Lee")
    expect(hr.locator("ol.record-attempts li")).to_contain_text("Not passed")
    hr.get_by_text("Grant more attempts").click()
    hr.get_by_label("Reason (the learner sees it)").fill(REASON)
    hr.get_by_role("button", name="Grant", exact=True).click()
    expect(hr.locator(".flash-success")).to_have_text(
        "1 more attempt granted to Ann Lee for “Final check”."
    )
    expect(hr.locator("ul.record-grants")).to_contain_text("granted by Hana Ito on")
    session.rollback()
    assert session.scalar(select(AttemptGrant.reason)) == REASON

    learner.goto(LESSON)
    expect(learner.locator(".notice.granted")).to_have_text(
        f"1 more attempt granted by Hana Ito: {REASON}"
    )
    _answer(learner, "true", 2)
    expect(learner.locator(".result-summary .ok")).to_contain_text(
        "Passed. The lesson is complete."
    )


@pytest.mark.parametrize(("locale", "lang"), LANGUAGES)
def test_the_record_page_is_accessible_and_fits_a_phone(
    new_page: Callable[..., Page], live_server: str, world: None, locale: str, lang: str
) -> None:
    learner = new_page()
    login(learner, live_server, "ann")
    _answer(learner, "false", 1)
    hr = new_page(locale=locale)
    login(hr, live_server, "hana")
    hr.goto(RECORD)
    expect(hr.locator("html")).to_have_attribute("lang", lang)
    hr.locator("details.grant summary").click()
    expect(hr.locator("details.grant textarea")).to_be_visible()
    found = {"desktop": axe_violations(hr)}
    wide = horizontal_overflow(hr)
    found["phone"] = axe_violations(hr)
    hr.set_viewport_size(DESKTOP_VIEWPORT)
    assert found == {"desktop": [], "phone": []}
    assert wide == []
