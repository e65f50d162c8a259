"""Render trainers' Markdown to sanitised HTML, once, when a course is synced.

Lesson pages never render Markdown per request: the sync stores what these functions return.
Every function here is pure (no Flask, no database) and builds a fresh `markdown.Markdown`
per call, because Markdown instances keep state between conversions and are not thread-safe.
"""

from __future__ import annotations

import html as html_lib
import re
import xml.etree.ElementTree as ET  # noqa: N817  (the name Python-Markdown's own docs use)
from dataclasses import dataclass, field
from typing import Any

import markdown
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor

from app.content.sanitize import (
    QUIZ_SLOT_CLASS,
    QUIZ_SLOT_ID_PREFIX,
    QUIZ_SLOT_MARKER,
    UrlResolver,
    sanitize_html,
)

__all__ = [
    "QUIZ_PLACEHOLDER_FORMAT",
    "QuestionPlaceholder",
    "RenderedHtml",
    "TocEntry",
    "quiz_placeholder",
    "render_markdown",
    "render_quiz_text",
    "split_on_placeholders",
]

# Part of every stored content hash: raise it whenever rendering changes, so the next sync
# re-renders content whose Markdown has not changed.
RENDER_VERSION = "2"

QUIZ_PLACEHOLDER_FORMAT = f'<div class="{QUIZ_SLOT_CLASS}" id="{QUIZ_SLOT_ID_PREFIX}{{id}}"></div>'

_QUESTION_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_SINGLE_PARAGRAPH = re.compile(r"<p>(.*)</p>", re.DOTALL)
_HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_ALIGNMENTS = ("left", "center", "right")
# Long enough to be readable, short enough to stay under the sanitiser's id length limit once
# the toc extension appends a "_N" suffix to a duplicate.
_MAX_SLUG = 80

_COMMON_EXTENSIONS = ["tables", "fenced_code", "codehilite", "attr_list", "def_list"]
_COMMON_EXTENSIONS += ["admonition", "sane_lists", "abbr", "md_in_html"]
_COMMON_CONFIG: dict[str, dict[str, Any]] = {
    # Classes, not inline styles: the sanitiser drops style, static/css/code.css colours them.
    "codehilite": {"css_class": "highlight", "guess_lang": False, "noclasses": False},
    # align="..." (converted to a class below) rather than a style attribute we would drop.
    "tables": {"use_align_attribute": True},
}


@dataclass(frozen=True)
class TocEntry:
    """One heading of a rendered lesson: its HTML level (2-6), element id and plain text."""

    level: int
    id: str
    text: str


@dataclass(frozen=True)
class RenderedHtml:
    """Sanitised HTML of a Markdown document and the headings it contains, in order."""

    html: str
    toc: list[TocEntry] = field(default_factory=list)


@dataclass(frozen=True)
class QuestionPlaceholder:
    """The place in a lesson's HTML where the question with `question_id` is shown."""

    question_id: str


class _HeadingShift(Treeprocessor):
    """Move headings so the shallowest one becomes h(1 + offset), keeping their relative depth.

    The page's own title is the only h1, and a lesson written with `##` sections (as most are)
    gets h2 sections rather than skipping a level, which screen-reader users navigate by.
    """

    def __init__(self, md: markdown.Markdown, offset: int) -> None:
        super().__init__(md)
        self.offset = offset

    def run(self, root: ET.Element) -> None:
        headings = [element for element in root.iter() if element.tag in _HEADING_TAGS]
        if not headings:
            return
        shift = 1 + self.offset - min(int(element.tag[1]) for element in headings)
        for element in headings:
            element.tag = f"h{max(1, min(int(element.tag[1]) + shift, 6))}"


class _TableAlignClass(Treeprocessor):
    """Turn a table column's align="..." into class="align-..." (align is not allowlisted)."""

    def run(self, root: ET.Element) -> None:
        for element in root.iter():
            if element.tag not in ("th", "td"):
                continue
            align = element.attrib.pop("align", None)
            if align in _ALIGNMENTS:
                classes = element.get("class", "").split()
                element.set("class", " ".join([*classes, f"align-{align}"]))


class _AcademyExtension(Extension):
    """Registers the academy's tree processors on one Markdown instance."""

    def __init__(self, heading_offset: int) -> None:
        super().__init__()
        self.heading_offset = heading_offset

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802  (Markdown's API name)
        # After attr_list (8) so a heading's attributes are already parsed, before toc (5) so
        # the table of contents records the shifted levels.
        if self.heading_offset:
            md.treeprocessors.register(_HeadingShift(md, self.heading_offset), "heading_shift", 6)
        md.treeprocessors.register(_TableAlignClass(md), "table_align_class", 4)


def _slugify(value: str, separator: str) -> str:
    """Slug for a heading id that keeps Chinese (any Unicode letters) and is never empty.

    The toc extension makes duplicates unique by appending "_1", "_2", ...
    """
    slug = slugify_unicode(value, separator)[:_MAX_SLUG].strip(separator) or "section"
    if slug.startswith(QUIZ_SLOT_ID_PREFIX):
        # The sanitiser reserves this prefix for question placeholders and would drop the id.
        slug = f"h-{slug}"
    return slug


def _flatten_toc(tokens: list[dict[str, Any]]) -> list[TocEntry]:
    """Turn the toc extension's nested tokens into a flat, document-ordered list."""
    entries: list[TocEntry] = []
    for token in tokens:
        text = html_lib.unescape(token["name"])
        entries.append(TocEntry(level=token["level"], id=token["id"], text=text))
        entries.extend(_flatten_toc(token["children"]))
    return entries


def render_markdown(
    text: str,
    *,
    resolve_url: UrlResolver | None = None,
    heading_offset: int = 1,
) -> RenderedHtml:
    """Render a lesson, module or course body to sanitised HTML and its table of contents.

    The shallowest heading becomes h(1 + heading_offset), the others keep their depth below it
    (capped at h6); with the default offset the page's own
    title is the only h1. Headings get stable ids from their text (Chinese kept, duplicates
    suffixed). `resolve_url` maps each relative link or image URL to its public URL (None keeps
    it). Quiz placeholders (`quiz_placeholder`) on a line of their own are kept as they are.
    """
    if not 0 <= heading_offset <= 5:
        raise ValueError(f"heading_offset must be between 0 and 5, got {heading_offset}")
    md = markdown.Markdown(
        extensions=[*_COMMON_EXTENSIONS, "footnotes", "toc", _AcademyExtension(heading_offset)],
        extension_configs={
            **_COMMON_CONFIG,
            "toc": {"permalink": False, "slugify": _slugify, "separator": "-"},
        },
        output_format="html",
    )
    body = md.convert(text)
    toc = _flatten_toc(md.toc_tokens)  # type: ignore[attr-defined]
    return RenderedHtml(html=sanitize_html(body, resolve_url=resolve_url), toc=toc)


def render_quiz_text(
    text: str,
    *,
    inline: bool = False,
    resolve_url: UrlResolver | None = None,
) -> str:
    """Render a quiz prompt, option, feedback or explanation to sanitised HTML.

    With `inline=True` (option text) a result that is a single paragraph loses its `<p>` so it
    sits inside a label. No heading ids or footnotes: they would clash with the lesson's own.
    """
    md = markdown.Markdown(
        extensions=[*_COMMON_EXTENSIONS, _AcademyExtension(heading_offset=1)],
        extension_configs=_COMMON_CONFIG,
        output_format="html",
    )
    body = md.convert(text)
    if inline:
        paragraph = _SINGLE_PARAGRAPH.fullmatch(body.strip())
        if paragraph and "<p>" not in paragraph.group(1) and "<p " not in paragraph.group(1):
            body = paragraph.group(1)
    return sanitize_html(body, resolve_url=resolve_url)


def quiz_placeholder(question_id: str) -> str:
    """Return the marker standing for a quiz question in a lesson's Markdown and HTML.

    Put it on a line of its own with a blank line before and after, so Markdown passes it
    through as an HTML block. Raises ValueError for an id that is not `[a-z0-9][a-z0-9-]*`.
    """
    if not _QUESTION_ID.match(question_id):
        raise ValueError(f"invalid question id for a placeholder: {question_id!r}")
    return QUIZ_PLACEHOLDER_FORMAT.format(id=question_id)


def split_on_placeholders(html: str) -> list[str | QuestionPlaceholder]:
    """Split rendered lesson HTML into HTML chunks and the questions placed between them.

    Empty chunks are left out, so a lesson that starts with a question starts with its ref.
    """
    parts: list[str | QuestionPlaceholder] = []
    for index, piece in enumerate(QUIZ_SLOT_MARKER.split(html)):
        if index % 2:
            parts.append(QuestionPlaceholder(question_id=piece))
        elif piece:
            parts.append(piece)
    return parts
