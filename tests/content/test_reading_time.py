"""Estimated minutes: 300 CJK characters or 200 words a minute, plus a minute per question."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.content.parser import parse_lesson_text
from app.content.reading_time import ReadingTime, count_text, prose

PATH = Path("01-intro.md")
ENGLISH_WORD = "data "
CHINESE = "数据安全"  # four Han characters


def question(qid: str, prompt: str = "Is it safe?") -> str:
    return f"::: quiz\nid: {qid}\ntype: truefalse\n\n{prompt}\n\n= true\n:::\n"


def estimate(body: str, front: str = "") -> tuple[int, bool, list[tuple[int, str, str]]]:
    """(minutes, estimated?, (line, severity, message) of each problem) of a lesson."""
    lesson, problems = parse_lesson_text(f"---\ntitle: T\n{front}---\n{body}", PATH)
    return (
        lesson.minutes,
        lesson.minutes_estimated,
        [(p.line, p.severity, p.message) for p in problems],
    )


def test_600_chinese_characters_and_two_questions_take_4_minutes() -> None:
    body = CHINESE * 150 + "\n\n" + question("q1") + question("q2")
    minutes, estimated, problems = estimate(body)
    assert (minutes, estimated) == (4, True)
    assert problems == [
        (
            1,
            "info",
            "no minutes given; estimated 4 minutes from the text (600 characters, 2 questions)",
        )
    ]


def test_450_english_words_take_3_minutes() -> None:
    minutes, _estimated, problems = estimate(ENGLISH_WORD * 450)
    assert minutes == 3
    assert problems[0][2].endswith("estimated 3 minutes from the text (450 words, 0 questions)")


@pytest.mark.parametrize(
    ("characters", "words", "questions", "minutes"),
    [
        (0, 400, 0, 2),  # exactly two minutes: no rounding up
        (0, 401, 0, 3),
        (300, 200, 0, 2),  # a minute of each
        (301, 0, 1, 3),
        (0, 0, 0, 1),  # an empty lesson still takes a minute
        (0, 0, 5, 5),
    ],
)
def test_minutes_round_up_to_a_whole_minute(
    characters: int, words: int, questions: int, minutes: int
) -> None:
    assert ReadingTime(characters, words, questions).minutes == minutes


def test_the_explanation_groups_thousands() -> None:
    assert ReadingTime(1150, 0, 2).explained() == (
        "estimated 6 minutes from the text (1,150 characters, 2 questions)"
    )
    assert ReadingTime(0, 1, 1).explained() == (
        "estimated 2 minutes from the text (1 word, 1 question)"
    )


def test_quiz_text_is_not_read_but_each_question_adds_a_minute() -> None:
    long_prompt = "word " * 1000
    minutes, _estimated, problems = estimate("Short text.\n\n" + question("q1", long_prompt))
    assert minutes == 2  # one minute of reading (rounded up), one for the question
    assert "(2 words, 1 question)" in problems[0][2]


def test_drawn_questions_count_by_the_draw_not_the_pool() -> None:
    front = "draw:\n  - {pool: exam, count: 3}\n  - {pool: extra, count: 2}\n"
    minutes, _estimated, problems = estimate("Closing test.\n", front)
    assert minutes == 1 + 5
    assert "(2 words, 5 questions)" in problems[0][2]


def test_markup_link_targets_tags_and_comments_are_not_words() -> None:
    text = (
        '## Read [the guide](https://example.com/a/b-c?d=e "A title")\n\n'
        '![alt text](../assets/flow.svg) <span class="note">Hi</span> <https://x.org/y>\n'
        "<!-- a note for trainers, never shown -->\n\n"
        "| a | b |\n|---|---|\n\n[ref]: https://example.com/long/path\n"
    )
    assert prose(text).split() == [
        "##", "Read", "[the", "guide]", "![alt", "text]", "Hi", "|", "a", "|", "b", "|",
        "|---|---|",
    ]  # fmt: skip
    assert count_text(prose(text)) == (0, 8)  # Read the guide alt text Hi a b


def test_code_in_fences_is_read_but_the_fence_lines_are_not() -> None:
    text = "Before.\n\n```python\nprint(total)\n```\n\n~~~\nls -l\n~~~\n"
    assert count_text(prose(text)) == (0, 5)  # Before, print, total, ls, l


def test_han_kana_and_hangul_are_characters_other_scripts_are_words() -> None:
    assert count_text("使用HTTPS协议，かな 한국어 don't e-mail Привет") == (9, 4)


def test_given_minutes_are_kept_and_nothing_is_said() -> None:
    assert estimate(ENGLISH_WORD * 450, "minutes: 12\n") == (12, False, [])


def test_invalid_minutes_stay_an_error_and_are_not_estimated() -> None:
    minutes, estimated, problems = estimate("Text.\n", "minutes: 2.5\n")
    assert (minutes, estimated) == (0, False)
    assert problems == [(3, "error", '"minutes" must be a whole number greater than 0, not 2.5')]


def test_an_empty_minutes_key_is_estimated_like_a_missing_one() -> None:
    minutes, estimated, problems = estimate(ENGLISH_WORD * 10, "minutes:\n")
    assert (minutes, estimated, [p[1] for p in problems]) == (1, True, ["info"])
