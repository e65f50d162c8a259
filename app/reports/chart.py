"""A server-rendered horizontal bar chart as inline SVG (completion rate per child unit).

The markup is embedded in the page under a strict Content Security Policy, so it has no script,
no style attributes and no external references: only presentation attributes (fill=, font-size=)
and a class the static stylesheet may size (e.g. `.bar-chart { max-width: 100%; height: auto }`).
Every label comes from the database and is XML-escaped. The page shows the same numbers as an HTML
table beside the chart; the SVG also carries its own text alternative in <title> and <desc>.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape, quoteattr

from app.web.text_width import display_width

WIDTH = 720
LABEL_WIDTH = 260  # room for the unit names, right-aligned against the bars
VALUE_WIDTH = 72  # room after the longest bar for its value
ROW_HEIGHT = 28
BAR_HEIGHT = 18
PAD_TOP, PAD_BOTTOM = 8, 8
FONT_SIZE = 13
# Label length in "half-width units": a CJK character counts two. About what fits LABEL_WIDTH.
LABEL_MAX_UNITS = 30

# Colours checked against white: bars 5.2:1 (WCAG non-text contrast needs 3:1), text 15.8:1
# (body text needs 4.5:1); gridlines are decoration and may be light.
BAR_FILL = "#2563EB"
TEXT_FILL = "#1F2328"
GRID_STROKE = "#D0D7DE"
AXIS_STROKE = "#57606A"

# Characters XML 1.0 forbids even escaped: a stray one in a unit name would break the whole page.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    """Escaped element content."""
    return escape(_XML_ILLEGAL.sub("", value))


def _attr(value: str) -> str:
    """An escaped, quoted attribute value."""
    return quoteattr(_XML_ILLEGAL.sub("", value))


def shorten(label: str, max_units: int = LABEL_MAX_UNITS) -> str:
    """The label cut with "…" when longer than `max_units` half-width units."""
    if display_width(label) <= max_units:
        return label
    kept, used = [], 1  # the ellipsis takes one unit
    for char in label:
        used += display_width(char)
        if used > max_units:
            break
        kept.append(char)
    return "".join(kept).rstrip() + "…"


def bar_chart_svg(
    bars: Sequence[tuple[str, float | None]],
    *,
    title: str,
    max_value: float = 100,
    value_format: Callable[[float], str] = lambda v: f"{v:.1f}%",
    no_data: str = "—",
    description: str | None = None,
    chart_id: str = "bar-chart",
) -> str:
    """Inline SVG markup: one labelled horizontal bar per (name, value), None meaning no data.

    `title` and `description` (default: every bar as "name: value") become the chart's accessible
    name and description; `no_data` is shown for None (pass a translated word for screen readers);
    `chart_id` keeps the title/desc ids unique when a page holds several charts. Values are drawn
    on a 0..`max_value` scale, clamped into it.
    """
    shown = [(label, None if value is None else value_format(value)) for label, value in bars]
    if description is None:
        description = "; ".join(f"{label}: {text or no_data}" for label, text in shown)
    height = PAD_TOP + ROW_HEIGHT * max(len(bars), 1) + PAD_BOTTOM
    bar_left = LABEL_WIDTH
    bar_span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" role="img"'
        f' width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}"'
        f" aria-labelledby={_attr(title_id)} aria-describedby={_attr(desc_id)}"
        f' font-size="{FONT_SIZE}">',
        f"<title id={_attr(title_id)}>{_text(title)}</title>",
        f"<desc id={_attr(desc_id)}>{_text(description)}</desc>",
    ]
    # Quarter gridlines help the eye compare bars; the exact values are printed on the bars.
    plot_bottom = height - PAD_BOTTOM
    for quarter in range(1, 5):
        x = bar_left + bar_span * quarter / 4
        parts.append(
            f'<line x1="{x:g}" y1="{PAD_TOP}" x2="{x:g}" y2="{plot_bottom}"'
            f' stroke="{GRID_STROKE}" stroke-width="1"/>'
        )
    if not bars:
        parts.append(
            f'<text x="{bar_left + 8}" y="{PAD_TOP + ROW_HEIGHT / 2:g}" fill="{TEXT_FILL}"'
            f' dominant-baseline="middle">{_text(no_data)}</text>'
        )
    for index, ((label, value), (_, text)) in enumerate(zip(bars, shown, strict=True)):
        middle = PAD_TOP + ROW_HEIGHT * index + ROW_HEIGHT / 2
        parts.append(f'<g class="bar"><title>{_text(f"{label}: {text or no_data}")}</title>')
        parts.append(
            f'<text x="{bar_left - 8}" y="{middle:g}" text-anchor="end" fill="{TEXT_FILL}"'
            f' dominant-baseline="middle">{_text(shorten(label))}</text>'
        )
        length = 0.0
        if value is not None and max_value > 0:
            length = bar_span * min(max(value / max_value, 0.0), 1.0)
            if length > 0:
                parts.append(
                    f'<rect x="{bar_left}" y="{middle - BAR_HEIGHT / 2:g}" width="{length:.2f}"'
                    f' height="{BAR_HEIGHT}" fill="{BAR_FILL}"/>'
                )
        parts.append(
            f'<text x="{bar_left + length + 6:.2f}" y="{middle:g}" fill="{TEXT_FILL}"'
            f' dominant-baseline="middle">{_text(text or no_data)}</text></g>'
        )
    parts.append(
        f'<line x1="{bar_left}" y1="{PAD_TOP}" x2="{bar_left}" y2="{plot_bottom}"'
        f' stroke="{AXIS_STROKE}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return "\n".join(parts)
