"""Password hashing (argon2id) and the password policy (OWASP ASVS level 2, section 2.1)."""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _

# OWASP's argon2id floor is 19 MiB of memory and 2 iterations; one lane keeps a login cheap
# for a shared 2-core server while meeting it.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)

MIN_LENGTH = 8
MAX_LENGTH = 128  # ASVS asks for at least 64; longer is refused with a message, never truncated
_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")


def hash_password(password: str) -> str:
    """Hash a password with argon2id at the current parameters."""
    return HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches the stored hash (False for a user without a password)."""
    if not password_hash:
        # Spend the same time as a real check so a missing account is not revealed by timing.
        HASHER.hash(password)
        return False
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with parameters older than the current ones."""
    try:
        return HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lowercased."""
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


# Words an attacker tries first against this site (ASVS 6.2.11: context-specific words), in
# both languages; a password made only of these, the user's own names and filler is refused.
SITE_WORDS = frozenset(
    {
        "academy", "digital", "skills", "skill", "government", "gov", "public", "servant",
        "training", "learning", "online", "cadre", "password", "passw0rd", "welcome", "admin",
        "数字", "学院", "干部", "网络", "学习", "培训", "政府", "密码",
    }
)


def _letters(text: str) -> str:
    """The letters of `text` (any script), case-folded: digits, spaces and signs dropped."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalpha())


def _made_of(letters: str, words: frozenset[str]) -> bool:
    """Whether `letters` is one or more of `words` run together (a word may repeat)."""
    if not letters:
        return False
    ends = [True] + [False] * len(letters)
    for end in range(1, len(letters) + 1):
        ends[end] = any(
            ends[end - len(word)] and letters.endswith(word, 0, end)
            for word in words
            if len(word) <= end
        )
    return ends[-1]


def _personal_words(username: str, full_name: str) -> set[str]:
    """The user's username and names as words: whole, and split at spaces and signs."""
    words: set[str] = set()
    for text in (username, full_name):
        words.add(_letters(text))
        parts = "".join(ch if ch.isalpha() else " " for ch in text.casefold()).split()
        words.update(_letters(part) for part in parts)
    return {word for word in words if len(word) >= 2}


def password_problems(password: str, username: str = "", full_name: str = "") -> list[str]:
    """Why a new password is not acceptable (an empty list when it is).

    Length is counted in Unicode characters after NFKC, as a person would count them; there
    are no composition rules, as ASVS 2.1.9 asks.
    """
    normalised = unicodedata.normalize("NFKC", password)
    problems: list[str] = []
    if len(normalised) < MIN_LENGTH:
        problems.append(_("Use at least %(n)d characters.", n=MIN_LENGTH))
    if len(normalised) > MAX_LENGTH:
        problems.append(_("Use at most %(n)d characters.", n=MAX_LENGTH))
    if normalised.lower() in common_passwords():
        problems.append(_("This password is on a list of commonly used passwords. Choose another."))
    if username and normalised.lower() == username.lower():
        problems.append(_("Your password must not be your username."))
    elif _made_of(_letters(password), SITE_WORDS | _personal_words(username, full_name)):
        problems.append(
            _(
                "This password is made of the site's name or your own name with numbers or signs"
                " added, which is the first thing an attacker tries. Choose another."
            )
        )
    return problems
