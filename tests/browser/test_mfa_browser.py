"""The second factor in a real browser: an administrator made to set it up scans the QR code
(decoded here from a screenshot, as a phone would), then signs in with a code from the app and
with a recovery code, which works once only. The security page is accessible in both
languages and fits a phone."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pyotp
import pytest
import zxingcpp
from flask import Flask
from PIL import Image
from playwright.sync_api import Page, expect

from app.auth.totp import time_step
from tests import factories
from tests.browser import PHONE_VIEWPORT, SIGN_OUT_FORM, axe_violations, horizontal_overflow

pytestmark = pytest.mark.browser

LANGUAGES = [pytest.param("en-US", "en", id="en"), pytest.param("zh-CN", "zh-Hans", id="zh")]


def _password_step(page: Page, username: str) -> None:
    page.goto("/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(factories.PASSWORD)
    page.locator("main form button[type=submit]").click()


def _second_step(page: Page, code: str) -> None:
    expect(page).to_have_url(re.compile(r"/login/verify$"))
    page.locator("input[name=code]").fill(code)
    page.locator("main form button[type=submit]").click()


def _sign_out(page: Page) -> None:
    page.locator(f"{SIGN_OUT_FORM} button").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator(SIGN_OUT_FORM)).to_have_count(0)


def _scan_qr_code(page: Page) -> str:
    """What a phone's camera reads from the QR code on the page."""
    picture = page.locator(".qr-code svg").screenshot()
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(picture)))
    assert len(found) == 1, "no QR code could be read from the page"
    return found[0].text


def test_an_admin_sets_up_the_app_and_signs_in_with_codes(
    app: Flask, page: Page, make_user
) -> None:
    app.config["MFA_REQUIRED_ROLES"] = ("admin",)
    make_user("root", full_name="Root Admin", roles={"admin"})

    _password_step(page, "root")
    expect(page).to_have_url(re.compile(r"/account/security$"))
    page.goto("/admin/users")  # nothing else opens until the second factor is set up
    expect(page).to_have_url(re.compile(r"/account/security$"))
    page.get_by_role("button", name="Set up two-factor authentication").click()

    uri = _scan_qr_code(page)
    assert uri.startswith("otpauth://totp/")
    authenticator = pyotp.parse_uri(uri)
    assert isinstance(authenticator, pyotp.TOTP)
    assert authenticator.name == "root"
    typed = page.locator("code.totp-secret").inner_text().replace(" ", "")
    assert typed == authenticator.secret

    page.locator("input[name=code]").fill(authenticator.now())
    page.get_by_role("button", name="Confirm and turn on").click()
    codes = page.locator(".recovery-codes li code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have kept my codes: continue").click()
    page.goto("/admin/users")
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    _sign_out(page)

    # The code of the enrolment is used up; the app's next one is accepted (clock drift).
    _password_step(page, "root")
    _second_step(page, authenticator.generate_otp(time_step() + 1))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Root Admin")
    _sign_out(page)

    _password_step(page, "root")
    _second_step(page, codes[0])
    expect(page.locator(".flash")).to_contain_text("9 are left")
    expect(page.locator(SIGN_OUT_FORM)).to_be_attached()
    _sign_out(page)

    _password_step(page, "root")
    _second_step(page, codes[0])
    expect(page.locator(".error")).to_contain_text("used already")
    expect(page).to_have_url(re.compile(r"/login/verify$"))
    expect(page.locator(SIGN_OUT_FORM)).to_have_count(0)


@pytest.mark.parametrize(("locale", "lang"), LANGUAGES)
def test_the_security_pages_are_accessible_and_fit_a_phone(
    new_page: Callable[..., Page], make_user, locale: str, lang: str
) -> None:
    make_user("ann")
    page = new_page(locale=locale)
    _password_step(page, "ann")
    page.goto("/account/security")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    assert axe_violations(page) == [], "security page, off"
    page.locator("#two-factor form button[type=submit]").click()
    expect(page.locator(".qr-code svg")).to_be_visible()
    assert axe_violations(page) == [], "security page, setting up"
    assert horizontal_overflow(page) == [], "security page on a phone"
    page.set_viewport_size({"width": 1280, "height": 800})
    secret = page.locator("code.totp-secret").inner_text().replace(" ", "")
    page.locator("input[name=code]").fill(pyotp.TOTP(secret).now())
    page.locator("#two-factor form button[type=submit]").click()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    assert axe_violations(page) == [], "security page, recovery codes"
    assert horizontal_overflow(page) == [], "recovery codes on a phone"
    assert page.viewport_size == PHONE_VIEWPORT
    _sign_out(page)
    _password_step(page, "ann")
    expect(page).to_have_url(re.compile(r"/login/verify$"))
    assert axe_violations(page) == [], "second sign-in step"
    assert horizontal_overflow(page) == [], "second sign-in step on a phone"
