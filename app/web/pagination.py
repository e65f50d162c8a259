"""Page arithmetic shared by every paginated list (catalogue, admin lists, learner reports)."""

from __future__ import annotations


def page_bounds(total: int, page: int, size: int) -> tuple[int, int]:
    """The requested page clamped to the pages that exist, and how many pages there are."""
    pages = max(1, -(-total // size))
    return min(max(page, 1), pages), pages
