"""Keeping `next` redirects on this site."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """Return `target` if it is a path on this site, else None.

    Browsers read `//host`, `/\\host` and `\\\\host` as other hosts and ignore tabs and newlines
    inside URLs, so anything but a plain absolute path is refused.
    """
    if not target or len(target) > 2000:
        return None
    if any(ord(ch) < 0x20 or ch == "\x7f" for ch in target) or "\\" in target:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
