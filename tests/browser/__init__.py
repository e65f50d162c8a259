"""Browser tests: helpers shared by every page test (the fixtures live in conftest.py).

Import them with `from tests.browser import login, axe_violations, ...`; each takes a Playwright
`Page`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, Response, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.content.lookup import course_by_slug
from app.models import Lesson, User
from app.progress import recording as progress
from tests import factories

PHONE_VIEWPORT = {"width": 360, "height": 740}

# Resource types that make up a page's own weight; images and fonts are content, judged apart.
WEIGHED_RESOURCE_TYPES = frozenset({"document", "stylesheet", "script"})

SIGN_OUT_FORM = "form[action$='/logout']"


def login(page: Page, base_url: str, username: str, password: str = factories.PASSWORD) -> None:
    """Sign in through the real /login form and wait until the signed-in page has loaded."""
    page.goto(f"{base_url}/login")
    # Field names, not labels, so the helper works whatever the interface language is.
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(SIGN_OUT_FORM), "sign-in did not succeed").to_be_attached()


def switch_language(page: Page) -> None:
    """Press the header's language button and wait for the page to come back in the other one."""
    before = page.locator("html").get_attribute("lang")
    page.locator("form.lang-switch button").click()
    expect(page.locator("html")).not_to_have_attribute("lang", before or "")


class Violation(NamedTuple):
    """One axe rule broken on a page, with a short list of the offending elements."""

    rule: str
    impact: str
    targets: str


def axe_violations(page: Page, impacts: Iterable[str] = ("serious", "critical")) -> list[Violation]:
    """Run axe-core on the page as it is now; return the violations of the given impacts.

    The script is injected with `page.evaluate`, which goes through the DevTools protocol and is
    not subject to the page's Content-Security-Policy, so the app's strict CSP stays on.
    """
    wanted = set(impacts)
    results = Axe().run(page, options={"resultTypes": ["violations"]})
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] not in wanted:
            continue
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
        summary = ", ".join(targets[:3]) + (
            f" (+{len(targets) - 3} more)" if len(targets) > 3 else ""
        )
        found.append(Violation(violation["id"], violation["impact"], summary))
    return found


_OVERFLOW_SCRIPT = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 0.5 && box.width > 0) {
      const cls = el.className && typeof el.className === 'string'
        ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
      culprits.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${cls}`
                    + ` (right edge ${Math.round(box.right)}px)`);
    }
  }
  return culprits.length ? culprits.slice(0, 5)
    : [`document is ${document.documentElement.scrollWidth}px wide`];
}"""


def horizontal_overflow(page: Page) -> list[str]:
    """At a 360x740 phone viewport, the elements that stick out sideways (empty when none).

    Overflow means `document.documentElement.scrollWidth > window.innerWidth`: the reader would
    have to scroll sideways to read a line, which WCAG 1.4.10 (reflow) rules out.
    """
    if page.viewport_size != PHONE_VIEWPORT:
        page.set_viewport_size(PHONE_VIEWPORT)
    return page.evaluate(_OVERFLOW_SCRIPT)


class PageWeight(NamedTuple):
    """Bytes of a page's HTML, CSS and JavaScript, as decoded and as sent over the wire."""

    decoded: int
    transferred: int
    resources: list[tuple[str, str, int]]  # (resource type, URL, decoded bytes)


def page_weight(page: Page, url: str) -> PageWeight:
    """Load `url` in `page` and weigh its document, stylesheets and scripts (no images, fonts).

    Use a fresh page (the `page` fixture): what its context has cached already would not count.
    """
    responses: list[Response] = []

    def keep(response: Response) -> None:
        if response.request.resource_type in WEIGHED_RESOURCE_TYPES:
            responses.append(response)

    page.on("response", keep)
    try:
        page.goto(url, wait_until="load")
    finally:
        page.remove_listener("response", keep)
    resources = []
    transferred = 0
    for response in responses:
        body = response.body()
        resources.append((response.request.resource_type, response.url, len(body)))
        # The encoded size is what a slow county network carries; without compression it
        # equals the decoded size.
        sizes = response.request.sizes()
        transferred += sizes["responseBodySize"] or len(body)
    return PageWeight(sum(size for _, _, size in resources), transferred, resources)


_FOCUS_SCRIPT = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const label = (el.getAttribute('aria-label') || el.innerText || el.name || '').trim();
  return {
    description: `${el.tagName.toLowerCase()} "${label.slice(0, 40)}"`,
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== 'none',
  };
}"""


def focused_element(page: Page) -> dict | None:
    """The focused element: a short description and whether it shows an outline or a shadow."""
    return page.evaluate(_FOCUS_SCRIPT)


def has_visible_focus(page: Page) -> bool:
    """Whether the focused element draws a focus indicator (an outline or a box shadow)."""
    info = focused_element(page)
    return bool(info and (info["outline"] or info["shadow"]))


def tab_until(page: Page, selector: str, max_presses: int = 25) -> list[str]:
    """Press Tab until an element matching `selector` has focus; return what was focused.

    Fails if it takes more than `max_presses`, or if any element on the way shows no focus
    indicator, since a keyboard user would lose track of where they are.
    """
    seen = []
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        info = focused_element(page)
        assert info, "Tab left the page without focusing anything"
        assert has_visible_focus(page), f"no visible focus on {info['description']}"
        seen.append(info["description"])
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return seen
    raise AssertionError(f"{selector} not reached in {max_presses} Tabs; focused: {seen}")


def complete_all_but(session: Session, user: User, course_slug: str, keep: str) -> None:
    """Complete every lesson of a course except `keep`, as passing their quizzes would, and
    commit for the live server: a closing test with `requires: all` then opens."""
    course = course_by_slug(session, course_slug)
    assert course is not None, course_slug
    for lesson in session.scalars(select(Lesson).where(Lesson.course_id == course.id)):
        if lesson.slug != keep:
            progress.complete_lesson(session, user, course, lesson)
    session.commit()
