"""Grading rules for every question type, table-driven, plus properties of normalisation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.quiz.grading import grade, normalise_text, parse_number, score_percent


def _choice(kind: str, correct: list[int], n: int = 4, scoring: str = "all", points: float = 1):
    return {
        "type": kind,
        "points": points,
        "scoring": scoring,
        "options": [
            {"position": i, "correct": i in correct, "html": f"o{i}", "feedback_html": ""}
            for i in range(1, n + 1)
        ],
        "answers": [],
    }


def _typed(kind: str, answers: list, points: float = 1, case_sensitive: bool = False):
    return {
        "type": kind,
        "points": points,
        "scoring": "all",
        "case_sensitive": case_sensitive,
        "options": [],
        "answers": answers,
    }


CASES = [
    # single: full points or none
    ("single right", _choice("single", [2]), "2", 1.0, True),
    ("single wrong", _choice("single", [2]), "3", 0.0, False),
    ("single as int", _choice("single", [2]), 2, 1.0, True),
    ("single garbage", _choice("single", [2]), "two", 0.0, False),
    ("single two points", _choice("single", [1], points=2), "1", 2.0, True),
    # multiple, all-or-nothing by default
    ("multiple all right", _choice("multiple", [1, 3]), ["1", "3"], 1.0, True),
    ("multiple one missing", _choice("multiple", [1, 3]), ["1"], 0.0, False),
    ("multiple one extra", _choice("multiple", [1, 3]), ["1", "2", "3"], 0.0, False),
    ("multiple order irrelevant", _choice("multiple", [1, 3]), ["3", "1"], 1.0, True),
    ("multiple unknown option ignored", _choice("multiple", [1]), ["1", "9"], 1.0, True),
    # multiple, partial: (right chosen - wrong chosen) / right, never below zero, times points
    (
        "partial all",
        _choice("multiple", [1, 2], scoring="partial", points=2),
        ["1", "2"],
        2.0,
        True,
    ),
    ("partial half", _choice("multiple", [1, 2], scoring="partial", points=2), ["1"], 1.0, False),
    (
        "partial minus wrong",
        _choice("multiple", [1, 2, 3], scoring="partial", points=3),
        ["1", "2", "4"],
        1.0,
        False,
    ),
    ("partial floor zero", _choice("multiple", [1], scoring="partial"), ["2", "3"], 0.0, False),
    (
        "partial one of three",
        _choice("multiple", [1, 2, 3], scoring="partial", points=3),
        ["1"],
        1.0,
        False,
    ),
    # truefalse
    ("true right", _typed("truefalse", [True]), "true", 1.0, True),
    ("true wrong", _typed("truefalse", [True]), "false", 0.0, False),
    ("false right", _typed("truefalse", [False]), "false", 1.0, True),
    ("tf junk", _typed("truefalse", [False]), "maybe", 0.0, False),
    # short: trimmed, case-folded, NFKC, spaces collapsed
    ("short exact", _typed("short", ["Data chimney"]), "Data chimney", 1.0, True),
    ("short case", _typed("short", ["Data chimney"]), "DATA CHIMNEY", 1.0, True),
    ("short spaces", _typed("short", ["Data chimney"]), "  data   chimney ", 1.0, True),
    ("short full width", _typed("short", ["GET"]), "ＧＥＴ", 1.0, True),
    ("short chinese", _typed("short", ["数据烟囱", "烟囱"]), " 烟囱 ", 1.0, True),
    ("short wrong", _typed("short", ["GET"]), "POST", 0.0, False),
    ("short sensitive right", _typed("short", ["SQL"], case_sensitive=True), "SQL", 1.0, True),
    ("short sensitive wrong", _typed("short", ["SQL"], case_sensitive=True), "sql", 0.0, False),
    # numeric: exact, tolerance, range
    ("numeric exact", _typed("numeric", [[86400, 86400]]), "86400", 1.0, True),
    ("numeric grouped", _typed("numeric", [[86400, 86400]]), "86,400", 1.0, True),
    ("numeric full width", _typed("numeric", [[12, 12]]), "１２", 1.0, True),
    ("numeric tolerance in", _typed("numeric", [[3.13, 3.15]]), "3.149", 1.0, True),
    ("numeric tolerance out", _typed("numeric", [[3.13, 3.15]]), "3.16", 0.0, False),
    ("numeric range low edge", _typed("numeric", [[3.1, 3.2]]), "3.1", 1.0, True),
    ("numeric range high edge", _typed("numeric", [[3.1, 3.2]]), "3.2", 1.0, True),
    ("numeric decimal comma", _typed("numeric", [[3.5, 3.5]]), "3,5", 1.0, True),
    ("numeric negative", _typed("numeric", [[-2, -2]]), "-2", 1.0, True),
    ("numeric float noise", _typed("numeric", [[0.3, 0.3]]), str(0.1 + 0.2), 1.0, True),
    ("numeric second answer", _typed("numeric", [[1, 1], [5, 6]]), "5.5", 1.0, True),
]


@pytest.mark.parametrize(
    ("name", "data", "response", "points", "correct"), CASES, ids=[c[0] for c in CASES]
)
def test_grading_table(name, data, response, points, correct):
    result = grade(data, response)
    assert (result.points, result.correct) == (pytest.approx(points), correct)


@pytest.mark.parametrize("text", ["twelve", "12abc", "1..2", "∞", "nan", "inf", ""])
def test_numeric_text_that_is_not_a_number_gets_a_message(text):
    result = grade(_typed("numeric", [[12, 12]]), text or " ")
    assert result.points == 0
    assert result.message in ("not_a_number", "unanswered")


@pytest.mark.parametrize("kind", ["single", "multiple", "truefalse", "short", "numeric"])
def test_unanswered_scores_zero(kind):
    data = _choice(kind, [1]) if kind in ("single", "multiple") else _typed(kind, ["x"])
    assert grade(data, None).message == "unanswered"
    assert grade(data, None).points == 0


def test_score_percent():
    assert score_percent(3, 4) == 75.0
    assert score_percent(0, 0) == 0.0
    assert score_percent(2, 3) == 66.7


@given(st.text())
def test_normalising_is_idempotent(text):
    once = normalise_text(text)
    assert normalise_text(once) == once


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1))
def test_full_width_and_half_width_are_alike(text):
    full = "".join(chr(ord(c) + 0xFEE0) for c in text)
    assert normalise_text(full) == normalise_text(text)


@given(st.text(), st.sampled_from([" ", "  ", "\t", "\u3000"]))
def test_surrounding_and_repeated_spaces_do_not_matter(text, space):
    spaced = space + space.join(text.split(" ")) + space
    assert normalise_text(spaced) == normalise_text(" ".join(text.split(" ")))


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789"))
def test_letter_case_does_not_matter_unless_sensitive(text):
    assert normalise_text(text.swapcase()) == normalise_text(text)
    if text.swapcase() != text:
        assert normalise_text(text.swapcase(), case_sensitive=True) != normalise_text(
            text, case_sensitive=True
        )


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_numbers_survive_printing_and_parsing(value):
    assert parse_number(repr(value)) == pytest.approx(value)


@given(st.text())
def test_parse_number_never_raises(text):
    parse_number(text)
