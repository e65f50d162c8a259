"""Allowlist sanitiser for the HTML rendered from trainers' Markdown.

Everything a trainer writes ends up here after Markdown rendering, raw HTML included, so this
module is the only thing standing between a lesson file and a learner's browser. It is an
allowlist: a tag, attribute or URL scheme that is not named below does not get through.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import nh3

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "ALLOWED_URL_SCHEMES",
    "LINK_REL",
    "QUIZ_SLOT_CLASS",
    "QUIZ_SLOT_ID_PREFIX",
    "QUIZ_SLOT_MARKER",
    "UrlResolver",
    "sanitize_html",
]

UrlResolver = Callable[[str], str | None]

QUIZ_SLOT_CLASS = "quiz-slot"
QUIZ_SLOT_ID_PREFIX = "quiz-slot-"

_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}

ALLOWED_TAGS: frozenset[str] = frozenset(
    {"p", "br", "hr", "em", "strong", "b", "i", "u", "s", "del", "ins", "mark", "small"}
    | {"sub", "sup", "abbr", "kbd", "code", "pre", "span", "q", "cite", "samp", "var"}
    | _HEADINGS
    | {"ul", "ol", "li", "dl", "dt", "dd"}
    | {"table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td"}
    | {"blockquote", "figure", "figcaption", "img", "a", "div", "details", "summary"}
)

# Removed together with everything inside them: their content is code or form controls, never
# reading text, and keeping it as text would only print a payload on the page.
_CLEAN_CONTENT_TAGS: frozenset[str] = frozenset(
    {"script", "style", "template", "noscript", "iframe", "object", "textarea", "select"}
    | {"svg", "math", "title", "xmp", "noembed", "noframes"}
)

# Deliberately absent everywhere: style (CSS can overlay the page or leak data), every on*
# handler, align and friends (presentational; table alignment becomes a class instead).
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title", "class"},
    "img": {"src", "alt", "title", "width", "height", "class"},
    "abbr": {"title"},
    "ol": {"start", "class"},
    "ul": {"class"},
    "li": {"id", "class"},
    "sup": {"id", "class"},
    "div": {"id", "class"},
    "span": {"class"},
    "code": {"class"},
    "pre": {"class"},
    "p": {"class"},
    "table": {"class"},
    "th": {"class", "colspan", "rowspan", "abbr", "scope"},
    "td": {"class", "colspan", "rowspan"},
    "col": {"span"},
    "colgroup": {"span"},
    "figure": {"class"},
    "blockquote": {"class"},
    "details": {"open"},
    **{heading: {"id", "class"} for heading in _HEADINGS},
}

ALLOWED_URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})

# Set on every link, internal ones included: nh3 cannot tell hosts apart, and a missing Referer
# on a lesson-to-lesson link costs nothing, while a missing noopener on an external one could
# let that site navigate the academy tab.
LINK_REL = "noopener noreferrer"

_CLASS_TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")
# Heading slugs may be Chinese (\w is Unicode-aware); footnote ids look like "fn:1".
_ID_VALUE = re.compile(r"^[\w:.-]{1,128}$")
_QUIZ_SLOT_ID = re.compile(r"^quiz-slot-[a-z0-9][a-z0-9-]{0,63}$")
# The placeholder exactly as nh3 serialises it (attribute order is kept from the source).
QUIZ_SLOT_MARKER = re.compile(
    r'<div class="quiz-slot" id="quiz-slot-([a-z0-9][a-z0-9-]{0,63})"></div>'
)
# Only id and class survive on a div, both limited to token characters, so ">" cannot occur
# inside one of these start tags.
_DIV_START = re.compile(r"<div\b[^>]*>(?:</div>)?")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Check attribute values the allowlist alone cannot: ids and class tokens.

    The quiz placeholder (`<div class="quiz-slot" id="quiz-slot-ID">`) is only kept in its exact
    form on a div, so a trainer cannot put the class or id prefix on something else and have the
    page treat it as a question slot.
    """
    if attribute == "id":
        if value.startswith(QUIZ_SLOT_ID_PREFIX):
            return value if tag == "div" and _QUIZ_SLOT_ID.match(value) else None
        if tag == "div" or not _ID_VALUE.match(value):
            return None
        return value
    if attribute == "class":
        tokens = [token for token in value.split() if _CLASS_TOKEN.match(token)]
        if QUIZ_SLOT_CLASS in tokens and (tag != "div" or tokens != [QUIZ_SLOT_CLASS]):
            tokens = [token for token in tokens if token != QUIZ_SLOT_CLASS]
        return " ".join(tokens) or None
    return value


def _disarm_forged_slot(match: re.Match[str]) -> str:
    """Strip the quiz-slot class and id from a div that is not exactly an empty placeholder."""
    tag = match.group(0)
    # The attribute filter has already reduced any slot class to exactly "quiz-slot".
    is_slot_like = f'class="{QUIZ_SLOT_CLASS}"' in tag or f'id="{QUIZ_SLOT_ID_PREFIX}' in tag
    if not is_slot_like or QUIZ_SLOT_MARKER.fullmatch(tag):
        return tag
    # Class and id are all a div may carry, so nothing else of value is lost.
    return "<div></div>" if tag.endswith("</div>") else "<div>"


def _is_relative(url: str) -> bool:
    """Tell a path relative to the page from a fragment or a protocol-relative (external) URL."""
    return not url.startswith(("#", "//"))


def sanitize_html(html: str, *, resolve_url: UrlResolver | None = None) -> str:
    """Return `html` with everything outside the allowlist removed.

    Links and images keep only http, https, mailto or relative URLs; nh3 parses the URL the way
    a browser does, so `JaVaScRiPt:`, entity-encoded and whitespace-padded spellings are caught.
    When `resolve_url` is given it is called with every relative URL (not `#fragment`, not
    `//host`) and its return value replaces the URL; None keeps the original. An exception raised
    by `resolve_url` propagates to the caller.
    """
    failures: list[BaseException] = []

    def rewrite(url: str) -> str:
        if resolve_url is None or not _is_relative(url):
            return url
        try:
            resolved = resolve_url(url)
        except Exception as exc:  # nh3 would print and swallow it; re-raised below
            failures.append(exc)
            return url
        return url if resolved is None else resolved

    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(_CLEAN_CONTENT_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_filter_attribute,
        strip_comments=True,
        link_rel=LINK_REL,
        url_schemes=set(ALLOWED_URL_SCHEMES),
        url_relative=rewrite,
    )
    if failures:
        raise failures[0]
    # A forged slot with content, or with the attributes in another order, would not be split
    # out by the page but would still look like one to CSS: make it a plain div.
    return _DIV_START.sub(_disarm_forged_slot, cleaned)
