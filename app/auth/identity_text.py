"""The text that identifies a person: usernames and names, normalised and checked.

Two accounts must never look alike on a page or in an export. `adm\u200bin` (with a zero-width
space) renders as `admin`, and a right-to-left override can make a name read backwards, so such
characters are refused in usernames and names, and usernames are compared after NFKC and case
folding (`ＡＤＭＩＮ` and `Admin` are the same account as `admin`).
"""

from __future__ import annotations

import unicodedata

from flask_babel import gettext as _

MAX_USERNAME = 64
MAX_NAME = 200

# Unicode categories that draw nothing or reorder what is around them: controls (Cc), format
# characters (Cf: zero-width spaces and joiners, bidi embeddings, overrides and isolates, the
# BOM), line and paragraph separators, private-use and unassigned code points.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cn", "Cs"})


def normalise_username(username: str) -> str:
    """Usernames are compared trimmed, NFKC-normalised and case-folded."""
    return unicodedata.normalize("NFKC", username).strip().casefold()


def hidden_characters(text: str) -> list[str]:
    """The invisible or reordering characters in `text`, as `U+XXXX` names, in order."""
    return [
        f"U+{ord(ch):04X}" for ch in text if unicodedata.category(ch) in _HIDDEN_CATEGORIES
    ]


def username_problem(username: str) -> str | None:
    """Why a (normalised) username cannot be used, or None when it can."""
    if not username:
        return _("The username is empty.")
    if len(username) > MAX_USERNAME:
        return _("The username is longer than %(n)d characters.", n=MAX_USERNAME)
    hidden = hidden_characters(username)
    if hidden:
        return _(
            "The username contains invisible or direction-changing characters (%(chars)s).",
            chars=", ".join(hidden),
        )
    if any(ch.isspace() for ch in username):
        return _("The username %(name)s contains a space.", name=username)
    return None


def name_problem(name: str) -> str | None:
    """Why a person's full name cannot be used, or None when it can."""
    if not name.strip():
        return _("The full name is empty.")
    if len(name) > MAX_NAME:
        return _("The full name is longer than %(n)d characters.", n=MAX_NAME)
    hidden = hidden_characters(name)
    if hidden:
        return _(
            "The full name contains invisible or direction-changing characters (%(chars)s).",
            chars=", ".join(hidden),
        )
    return None
