"""Numeric answers keep the form the trainer wrote them in, for the result page."""

from __future__ import annotations

import pytest

from app.content.quiz_blocks import numeric_form


@pytest.mark.parametrize(
    ("written", "form"),
    [
        ("86400", {"value": 86400.0}),
        ("3.14 +- 0.01", {"value": 3.14, "tolerance": 0.01}),
        ("3.14 ± 0.005", {"value": 3.14, "tolerance": 0.005}),
        ("3.1 .. 3.2", {"low": 3.1, "high": 3.2}),
        (" -2 ", {"value": -2.0}),
        ("about three", None),
    ],
)
def test_a_numeric_answer_is_read_as_written(written: str, form: dict | None) -> None:
    assert numeric_form(written) == form
