"""One page of a long list, the same way everywhere (catalogue, admin lists, reports, assignments).

A service counts the matching rows, asks `page_window` which slice to read, reads it and returns
`window.with_items(rows)`; the template shows the items and the pager macro of
templates/_macros/pagination.html.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import request

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its items, its number (from 1), how many pages and items there are."""

    items: list[T]
    page: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        """Whether there is a page before this one."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """Whether there is a page after this one."""
        return self.page < self.pages


@dataclass(frozen=True)
class PageWindow:
    """Where one page sits in a list: its number, how many pages, and the slice to read."""

    page: int
    pages: int
    total: int
    offset: int
    limit: int

    def with_items(self, items: Iterable[T]) -> Page[T]:
        """The page holding `items` (the rows read at `offset`, at most `limit` of them)."""
        return Page(list(items), self.page, self.pages, self.total)


def page_window(total: int, page: int, size: int) -> PageWindow:
    """Page `page` of `total` items, `size` a page: clamped to the pages there are, with its offset.

    A page number past either end is clamped to the first or last page (an empty list still has
    page 1), so a stale or edited link shows a page rather than an error.
    """
    pages = max(1, -(-total // size))
    page = min(max(page, 1), pages)
    return PageWindow(page, pages, total, offset=(page - 1) * size, limit=size)


def requested_page() -> int:
    """The page number the request's ?page= asks for: 1 when it is missing or not a number."""
    return request.args.get("page", 1, type=int) or 1
