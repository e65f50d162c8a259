"""Grading answers on the server: pure functions over a question version's stored data.

Nothing here trusts the browser: a choice is a source position (1-based, as written in the
course file), whatever order the options were shown in.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

_SPACES = re.compile(r"\s+")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


@dataclass(frozen=True)
class Grade:
    """The result for one question: points earned, whether fully right, and a note if any."""

    points: float
    correct: bool
    message: str | None = None


def normalise_text(text: str, *, case_sensitive: bool = False) -> str:
    """Trim, fold full-width/half-width (NFKC), collapse inner spaces, and fold case."""
    folded = _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    return folded if case_sensitive else folded.casefold()


def parse_number(text: str) -> float | None:
    """Read a number as a person types it: full-width digits, spaces, 1,000 groups, a comma
    decimal (3,5) when it cannot be a thousands group. None when it is not a number."""
    value = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if not value:
        return None
    if _GROUPED.match(value):
        value = value.replace(",", "")
    elif value.count(",") == 1 and "." not in value:
        value = value.replace(",", ".")
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _choices(response: Any) -> set[int]:
    values = response if isinstance(response, list) else [response]
    chosen: set[int] = set()
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool):
            chosen.add(value)
        elif isinstance(value, str) and value.isdigit():
            chosen.add(int(value))
    return chosen


def grade(data: dict[str, Any], response: Any) -> Grade:
    """Grade `response` against a question version's `data` (see app.content.sync)."""
    points = float(data["points"])
    kind = data["type"]
    if response is None or response == "" or response == []:
        return Grade(0.0, False, "unanswered")
    if kind == "single":
        right = {o["position"] for o in data["options"] if o["correct"]}
        ok = _choices(response) == right
        return Grade(points if ok else 0.0, ok)
    if kind == "multiple":
        right = {o["position"] for o in data["options"] if o["correct"]}
        chosen = _choices(response) & {o["position"] for o in data["options"]}
        if data.get("scoring") == "partial":
            fraction = max(0.0, (len(chosen & right) - len(chosen - right)) / len(right))
            return Grade(round(points * fraction, 4), chosen == right)
        ok = chosen == right
        return Grade(points if ok else 0.0, ok)
    if kind == "truefalse":
        given = str(response).strip().lower()
        if given not in ("true", "false"):
            return Grade(0.0, False, "unanswered")
        ok = (given == "true") == bool(data["answers"][0])
        return Grade(points if ok else 0.0, ok)
    if kind == "short":
        sensitive = bool(data.get("case_sensitive"))
        given = normalise_text(str(response), case_sensitive=sensitive)
        accepted = {normalise_text(a, case_sensitive=sensitive) for a in data["answers"]}
        ok = given in accepted
        return Grade(points if ok else 0.0, ok)
    if kind == "numeric":
        number = parse_number(str(response))
        if number is None:
            return Grade(0.0, False, "not_a_number")
        # A relative epsilon so 0.1 + 0.2 style binary noise never fails a right answer.
        ok = any(
            low - 1e-9 * max(1.0, abs(low)) <= number <= high + 1e-9 * max(1.0, abs(high))
            for low, high in data["answers"]
        )
        return Grade(points if ok else 0.0, ok)
    raise ValueError(f"unknown question type {kind!r}")


def score_percent(earned: float, possible: float) -> float:
    """Score as a percentage with one decimal (0 when there is nothing to score)."""
    return round(100.0 * earned / possible, 1) if possible > 0 else 0.0
