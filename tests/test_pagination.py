"""Page arithmetic and the pager every paginated list shows."""

from __future__ import annotations

import pytest
from flask import Flask, render_template_string

from app.web.pagination import Page, page_window

PAGER = '{% from "_macros/pagination.html" import pager %}{{ pager(page, endpoint, **args) }}'


@pytest.mark.parametrize(
    ("total", "asked", "page", "pages", "offset"),
    [
        (0, 1, 1, 1, 0),  # an empty list still has its first page
        (120, 2, 2, 3, 50),
        (120, 3, 3, 3, 100),  # the last page holds the rest
        (120, 9, 3, 3, 100),  # past the end: the last page
        (120, -4, 1, 3, 0),  # before the start: the first page
        (100, 2, 2, 2, 50),  # exactly full pages, no empty one after
    ],
)
def test_page_window_clamps_the_page_and_gives_its_slice(total, asked, page, pages, offset):
    window = page_window(total, asked, 50)
    assert (window.page, window.pages, window.offset, window.limit) == (page, pages, offset, 50)
    result = window.with_items(iter(["a", "b"]))
    assert result == Page(["a", "b"], page, pages, total)


def test_a_page_knows_whether_it_has_neighbours():
    assert (Page([], 1, 3, 120).has_prev, Page([], 1, 3, 120).has_next) == (False, True)
    assert (Page([], 2, 3, 120).has_prev, Page([], 2, 3, 120).has_next) == (True, True)
    assert (Page([], 3, 3, 120).has_prev, Page([], 3, 3, 120).has_next) == (True, False)


def _pager(app: Flask, page: Page, endpoint: str, locale: str = "en", **args: object) -> str:
    with app.test_request_context(headers={"Accept-Language": locale}):
        return render_template_string(PAGER, page=page, endpoint=endpoint, args=args)


def test_the_pager_keeps_the_lists_arguments_in_both_links(app):
    html = _pager(
        app, Page([], 2, 3, 120), "reports.learners", code="CITY", status="overdue", course=None
    )
    assert '<nav class="pager" aria-label="Pages">' in html
    prev = '<a rel="prev" href="/reports/units/CITY/learners?page=1&amp;status=overdue">'
    nxt = '<a rel="next" href="/reports/units/CITY/learners?page=3&amp;status=overdue">'
    assert prev in html and nxt in html and "course=" not in html
    assert '<span aria-current="page">Page 2 of 3</span>' in html


def test_the_pager_encodes_search_words(app):
    html = _pager(app, Page([], 1, 2, 30), "learning.catalogue", q="数据 安全", language="zh")
    query = "page=2&amp;q=%E6%95%B0%E6%8D%AE+%E5%AE%89%E5%85%A8&amp;language=zh"
    assert f'<a rel="next" href="/courses?{query}">' in html


def test_the_pager_offers_only_the_links_that_lead_somewhere(app):
    first, last = Page([], 1, 2, 60), Page([], 2, 2, 60)
    assert 'rel="next"' in _pager(app, first, "admin.units")
    assert 'rel="prev"' not in _pager(app, first, "admin.units")
    assert 'rel="prev"' in _pager(app, last, "admin.units")
    assert 'rel="next"' not in _pager(app, last, "admin.units")
    assert _pager(app, Page([], 1, 1, 7), "admin.units").strip() == ""


def test_the_pager_speaks_chinese(app):
    html = _pager(app, Page([], 2, 3, 120), "admin.units", locale="zh")
    assert 'aria-label="分页"' in html
    assert "上一页" in html and "下一页" in html and "第 2 页，共 3 页" in html
