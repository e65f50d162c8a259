"""The completion bar chart: well-formed, accessible, CSP-safe inline SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: N817  (the conventional name)
from typing import Any

import pytest

from app.reports.chart import bar_chart_svg

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(1)</script> & Co"
LONG = "县人民政府办公室（数字政府建设领导小组办公室）"


def parse(markup: str) -> ET.Element:
    """The chart as an element tree (our own output, so the stdlib parser is safe here)."""
    return ET.fromstring(markup)  # noqa: S314


def chart(bars: list[tuple[str, float | None]], **options: Any) -> ET.Element:
    """A chart titled "Completion rate", parsed."""
    return parse(bar_chart_svg(bars, title="Completion rate", **options))


def child_text(element: ET.Element, tag: str) -> str | None:
    """The text of the first child `tag` (svg namespace), which must exist."""
    child = element.find(f"{SVG}{tag}")
    assert child is not None, f"no <{tag}> in <{element.tag}>"
    return child.text


def bar_groups(root: ET.Element) -> list[ET.Element]:
    """One <g> per bar, in order."""
    return root.findall(f"{SVG}g")


def relative_luminance(colour: str) -> float:
    """WCAG relative luminance of a #RRGGBB colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_with_white(colour: str) -> float:
    """WCAG contrast ratio of a colour against a white page."""
    return 1.05 / (relative_luminance(colour) + 0.05)


def test_the_chart_is_an_image_named_by_its_title_and_described_by_its_values() -> None:
    root = chart([("市数据局", 87.5), ("区政务服务和数据管理局", 42.0)])
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == title.get("id") and title.text == "Completion rate"
    assert root.get("aria-describedby") == desc.get("id")
    assert desc.text == "市数据局: 87.5%; 区政务服务和数据管理局: 42.0%"


def test_each_bar_shows_its_name_and_value_as_text() -> None:
    groups = bar_groups(chart([("市数据局", 87.5), ("市公安局", 0.0)]))
    texts = [[t.text for t in group.findall(f"{SVG}text")] for group in groups]
    assert texts == [["市数据局", "87.5%"], ["市公安局", "0.0%"]]


def test_bar_lengths_follow_the_values_and_stay_inside_the_scale() -> None:
    groups = bar_groups(chart([("a", 100.0), ("b", 50.0), ("c", 250.0), ("d", -3.0)]))
    widths = [
        float(rect.get("width", "0")) if (rect := g.find(f"{SVG}rect")) is not None else 0.0
        for g in groups
    ]
    assert widths[1] == pytest.approx(widths[0] / 2)
    assert widths[2] == widths[0]  # clamped to max_value
    assert widths[3] == 0.0


def test_labels_from_the_database_stay_text() -> None:
    markup = bar_chart_svg([(HOSTILE, 10.0)], title=HOSTILE)
    root = parse(markup)
    assert not [element for element in root.iter() if element.tag.endswith("script")]
    assert "<script>" not in markup and "&lt;script&gt;" in markup and "&amp; Co" in markup
    assert child_text(root, "title") == HOSTILE
    label = bar_groups(root)[0].find(f"{SVG}text")
    assert label is not None and label.text == HOSTILE


def test_characters_xml_forbids_are_dropped_so_the_page_still_parses() -> None:
    root = chart([("bad\x00\x1bname", 10.0)])
    assert child_text(bar_groups(root)[0], "text") == "badname"


def test_the_markup_has_no_script_style_or_external_reference() -> None:
    root = chart([("市数据局", 87.5), (HOSTILE, None)])
    for element in root.iter():
        assert element.tag.rsplit("}", 1)[-1] not in {"script", "style", "image", "use", "a"}
        for name in element.attrib:
            local = name.rsplit("}", 1)[-1]
            assert local != "style" and local != "href" and not local.startswith("on")


def test_a_unit_without_data_shows_a_dash_and_no_bar() -> None:
    group = bar_groups(chart([("市数据局", None)]))[0]
    assert group.find(f"{SVG}rect") is None
    assert [t.text for t in group.findall(f"{SVG}text")] == ["市数据局", "—"]
    assert child_text(group, "title") == "市数据局: —"


def test_the_no_data_word_can_be_translated() -> None:
    root = chart([("市数据局", None)], no_data="无数据")
    assert child_text(root, "desc") == "市数据局: 无数据"


def test_long_labels_are_shortened_but_kept_whole_in_the_bar_title() -> None:
    group = bar_groups(chart([(LONG * 2, 61.0)]))[0]
    shown = child_text(group, "text")
    assert shown is not None and shown.endswith("…") and len(shown) < len(LONG * 2)
    assert child_text(group, "title") == f"{LONG * 2}: 61.0%"


def test_bars_and_text_have_enough_contrast_against_white() -> None:
    root = chart([("市数据局", 87.5)])
    fills = {(e.tag.rsplit("}", 1)[-1], e.get("fill")) for e in root.iter() if e.get("fill")}
    assert fills
    for tag, fill in fills:
        assert fill is not None
        assert contrast_with_white(fill) >= (3.0 if tag == "rect" else 4.5), (tag, fill)


def test_an_empty_chart_is_still_valid_and_says_there_is_no_data() -> None:
    root = chart([], no_data="No units")
    assert root.get("role") == "img"
    assert [t.text for t in root.iter(f"{SVG}text")] == ["No units"]


def test_value_format_and_scale_can_change_for_other_measures() -> None:
    group = bar_groups(chart([("市数据局", 12.0)], max_value=24, value_format=lambda v: f"{v:g} h"))
    assert [t.text for t in group[0].findall(f"{SVG}text")][1] == "12 h"
