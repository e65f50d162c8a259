"""Markdown rendering: extensions, heading shift, ids, URL resolution and quiz placeholders."""

from __future__ import annotations

import re
from textwrap import dedent

import pytest

from app.content.render import (
    QuestionPlaceholder,
    TocEntry,
    quiz_placeholder,
    render_markdown,
    render_quiz_text,
    split_on_placeholders,
)
from app.content.sanitize import sanitize_html


def html_of(text: str, **kwargs: object) -> str:
    """Render lesson Markdown (dedented) and return only the HTML."""
    return render_markdown(dedent(text), **kwargs).html  # type: ignore[arg-type]


def test_table_renders_with_alignment_as_class_not_style() -> None:
    out = html_of(
        """
        | Data | Owner |
        |:----:|------:|
        | census | bureau |
        """
    )
    assert "<table>" in out and "<thead>" in out and "<tbody>" in out
    assert '<th class="align-center">Data</th>' in out
    assert '<td class="align-right">bureau</td>' in out
    assert "style=" not in out and "align=" not in out


def test_footnote_reference_and_note_keep_their_ids() -> None:
    out = html_of("Data chimneys[^1].\n\n[^1]: Silos that do not share data.\n")
    assert '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1"' in out
    assert '<li id="fn:1">' in out
    assert '<div class="footnote">' in out


def test_fenced_code_gets_pygments_classes_and_no_inline_style() -> None:
    out = html_of(
        """
        ```python
        def share(data):
            return data
        ```
        """
    )
    assert out.startswith('<div class="highlight"><pre>')
    assert '<span class="k">def</span>' in out
    assert "style=" not in out


def test_fenced_code_without_language_is_not_guessed_and_stays_escaped() -> None:
    out = html_of("```\n<b>not bold</b>\n```\n")
    assert "&lt;b&gt;not bold&lt;/b&gt;" in out
    assert '<span class="k">' not in out


def test_definition_list() -> None:
    out = html_of("Digital divide\n:   The gap between people with and without access.\n")
    assert "<dl>\n<dt>Digital divide</dt>\n<dd>The gap" in out


def test_admonition_is_a_div_with_classes() -> None:
    out = html_of('!!! warning "Phishing"\n    Never type your password after clicking a link.\n')
    assert '<div class="admonition warning">' in out
    assert '<p class="admonition-title">Phishing</p>' in out


def test_attr_list_keeps_class_and_drops_style_and_handlers() -> None:
    out = html_of('A key point.\n{: .key-point style="color: red" onclick="alert(1)" }\n')
    assert '<p class="key-point">A key point.</p>' in out


def test_sane_lists_do_not_merge_ordered_and_unordered() -> None:
    out = html_of("1. first\n2. second\n\n* bullet\n")
    assert re.search(r"<ol>\s*<li>first</li>\s*<li>second</li>\s*</ol>\s*<ul>", out)


def test_ordered_list_keeps_its_start_number() -> None:
    assert '<ol start="3">' in html_of("3. third\n4. fourth\n")


def test_abbreviation_gets_a_title() -> None:
    out = html_of("Use the HTTPS site.\n\n*[HTTPS]: HTTP over TLS\n")
    assert '<abbr title="HTTP over TLS">HTTPS</abbr>' in out


def test_headings_are_shifted_one_level_so_the_page_keeps_the_only_h1() -> None:
    out = html_of("# One\n\n## Two\n\n###### Six\n")
    assert "<h1" not in out
    assert '<h2 id="one">One</h2>' in out
    assert '<h3 id="two">Two</h3>' in out
    assert '<h6 id="six">Six</h6>' in out


def test_heading_offset_zero_keeps_h1() -> None:
    assert '<h1 id="one">One</h1>' in html_of("# One\n", heading_offset=0)


def test_heading_offset_out_of_range_is_rejected() -> None:
    with pytest.raises(ValueError, match="heading_offset"):
        render_markdown("# x", heading_offset=6)


def test_toc_lists_shifted_headings_with_unique_ids_including_chinese() -> None:
    rendered = render_markdown("# 数字政府\n\n## 数据 安全\n\n## 数据 安全\n\n## ???\n\n## A & B\n")
    assert rendered.toc == [
        TocEntry(level=2, id="数字政府", text="数字政府"),
        TocEntry(level=3, id="数据-安全", text="数据 安全"),
        TocEntry(level=3, id="数据-安全_1", text="数据 安全"),
        TocEntry(level=3, id="section", text="???"),
        TocEntry(level=3, id="a-b", text="A & B"),
    ]
    for entry in rendered.toc:
        assert f'id="{entry.id}"' in rendered.html


def test_heading_ids_are_stable_between_renders() -> None:
    text = "# Data as a resource\n\n## 信息孤岛\n"
    assert render_markdown(text).html == render_markdown(text).html


def test_heading_slug_never_takes_the_quiz_slot_prefix() -> None:
    rendered = render_markdown("# Quiz slot intro\n")
    assert rendered.toc[0].id == "h-quiz-slot-intro"
    assert 'id="h-quiz-slot-intro"' in rendered.html


def test_resolve_url_rewrites_relative_links_and_images() -> None:
    calls: list[str] = []

    def resolve(url: str) -> str:
        calls.append(url)
        return f"/assets/v1/{url.removeprefix('../assets/')}"

    out = html_of(
        "![Flow](../assets/flow.svg) [slides](../assets/slides.pdf) "
        '<img src="../assets/raw.png" alt="raw">\n',
        resolve_url=resolve,
    )
    assert calls == ["../assets/flow.svg", "../assets/slides.pdf", "../assets/raw.png"]
    assert '<img alt="Flow" src="/assets/v1/flow.svg">' in out
    assert 'href="/assets/v1/slides.pdf"' in out
    assert 'src="/assets/v1/raw.png"' in out


def test_resolve_url_is_not_called_for_absolute_fragment_or_mailto_urls() -> None:
    calls: list[str] = []

    def resolve(url: str) -> str:
        calls.append(url)
        return "/changed"

    out = html_of(
        "[a](https://www.gov.cn/) [b](#section) [c](mailto:help@example.org) "
        "[d](//cdn.example.org/x.js) ![e](http://example.org/e.png)\n",
        resolve_url=resolve,
    )
    assert calls == []
    assert "/changed" not in out
    assert 'href="https://www.gov.cn/"' in out and 'href="#section"' in out


def test_resolve_url_returning_none_leaves_the_url_unchanged() -> None:
    assert 'href="notes.md"' in html_of("[notes](notes.md)\n", resolve_url=lambda url: None)


def test_resolve_url_errors_are_raised_not_swallowed() -> None:
    def resolve(url: str) -> str:
        raise LookupError(url)

    with pytest.raises(LookupError, match="missing.png"):
        render_markdown("![x](missing.png)\n", resolve_url=resolve)


def test_every_link_gets_noopener_noreferrer() -> None:
    out = html_of("[gov](https://www.gov.cn/) [local](other.md)\n")
    assert out.count('rel="noopener noreferrer"') == 2


def test_placeholder_survives_rendering_and_splits_the_lesson() -> None:
    first, second = quiz_placeholder("read-verb"), quiz_placeholder("q2")
    text = f"Intro.\n\n{first}\n\nMiddle.\n\n{second}\n\nOutro.\n"
    parts = split_on_placeholders(render_markdown(text).html)
    slot = QuestionPlaceholder
    assert [type(part) for part in parts] == [str, slot, str, slot, str]
    assert parts[1] == QuestionPlaceholder("read-verb") and parts[3] == QuestionPlaceholder("q2")
    assert "Intro." in parts[0] and "Middle." in parts[2]
    assert "quiz-slot" not in "".join(part for part in parts if isinstance(part, str))


def test_lesson_starting_with_a_question_starts_with_its_ref() -> None:
    parts = split_on_placeholders(render_markdown(quiz_placeholder("first")).html)
    assert parts[0] == QuestionPlaceholder("first")


def test_placeholder_rejects_ids_outside_the_id_alphabet() -> None:
    for bad in ("", "Upper", "a b", 'x"><script>', "-lead"):
        with pytest.raises(ValueError):
            quiz_placeholder(bad)


@pytest.mark.parametrize(
    "forged",
    [
        '<div class="quiz-slot" id="quiz-slot-q1">text inside</div>',
        '<div id="quiz-slot-q1" class="quiz-slot"></div>',
        '<div class="quiz-slot extra" id="quiz-slot-q1"></div>',
        '<div class="quiz-slot" id="quiz-slot-Q_1"></div>',
        '<span class="quiz-slot" id="quiz-slot-q1"></span>',
        '<p class="quiz-slot">x</p>',
        '<h2 id="quiz-slot-q1">x</h2>',
    ],
)
def test_lookalike_placeholders_lose_the_slot_class_and_id(forged: str) -> None:
    out = sanitize_html(forged)
    assert "quiz-slot" not in out
    assert split_on_placeholders(out) == [out]


def test_quiz_text_renders_blocks_without_ids_or_footnotes() -> None:
    out = render_quiz_text("Which is **safe**?\n\n```python\nx = 1\n```\n\n# Heading\n")
    assert "<p>Which is <strong>safe</strong>?</p>" in out
    assert '<div class="highlight">' in out
    assert "<h2>Heading</h2>" in out


def test_inline_quiz_text_has_no_wrapping_paragraph() -> None:
    assert render_quiz_text("`GET` the **page**", inline=True) == (
        "<code>GET</code> the <strong>page</strong>"
    )


def test_inline_quiz_text_with_several_paragraphs_keeps_them() -> None:
    assert render_quiz_text("one\n\ntwo", inline=True) == "<p>one</p>\n<p>two</p>"


def test_quiz_text_resolves_relative_images() -> None:
    out = render_quiz_text("![chart](../assets/c.png)", resolve_url=lambda url: "/a/c.png")
    assert 'src="/a/c.png"' in out


def test_sections_written_with_double_hash_become_h2_without_skipping_a_level():
    html = render_markdown("## Part one\n\ntext\n\n### Detail\n\n## Part two\n").html
    assert re.findall(r"<(h\d)", html) == ["h2", "h3", "h2"]
