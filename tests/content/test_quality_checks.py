"""The question-quality checks: one case per rule that should warn and one that should not."""

from __future__ import annotations

import pytest

from tests.content.conftest import BuildCourse, ProblemRows


def single(qid: str, right: str, wrong: str) -> str:
    options = f"- [x] {right}\n- [ ] {wrong}\n"
    return f"::: quiz\nid: {qid}\ntype: single\n\nPick {qid}.\n\n{options}:::\n"


def truefalse(qid: str, answer: str) -> str:
    return f"::: quiz\nid: {qid}\ntype: truefalse\n\nIs {qid} so?\n\n= {answer}\n:::\n"


def short(qid: str, prompt: str, answer: str) -> str:
    return f"::: quiz\nid: {qid}\ntype: short\n\n{prompt}\n\n= {answer}\n:::\n"


def multiple(qid: str, *options: tuple[bool, str]) -> str:
    lines = "\n".join(f"- [{'x' if ok else ' '}] {text}" for ok, text in options)
    return f"::: quiz\nid: {qid}\ntype: multiple\n\nTick {qid}.\n\n{lines}\n:::\n"


LONG, SHORT = "a long and careful correct answer", "no"
LONGEST_MANY = "".join(single(f"s{i}", LONG, SHORT) for i in range(3)) + single("s3", "ok", LONG)
LONGEST_HALF = "".join(single(f"s{i}", LONG, SHORT) for i in range(2)) + "".join(
    single(f"t{i}", "ok", LONG) for i in range(2)
)
POOL = "".join(single(f"p{i}", "yes", "not") for i in range(4))

CASES = [
    ("longest", LONGEST_MANY, {}, "the correct option is the longest one in 3 of 4"),
    ("longest-balanced", LONGEST_HALF, {}, None),
    ("truefalse", "".join(truefalse(f"b{i}", "false") for i in range(4)), {}, "4 of 4 true/false"),
    (
        "truefalse-balanced",
        "".join(truefalse(f"b{i}", a) for i, a in enumerate(["true", "false"] * 2)),
        {},
        None,
    ),
    (
        "answer-in-prompt",
        short("sa", "Type the word secret, which marks a secret file.", "secret"),
        {},
        'the accepted answer "secret"',
    ),
    ("answer-not-in-prompt", short("sa", "What marks such a file?", "secret"), {}, None),
    ("all-of-the-above", single("aa", "All of the above", "Paper"), {}, "lets a learner answer"),
    ("以上都对", single("zh", "以上都对", "纸质"), {}, "lets a learner answer"),
    ("a-real-option", single("ro", "Above all, check the sender", "Paper"), {}, None),
    (
        "every-option-correct",
        multiple("m1", (True, "one"), (True, "two"), (True, "three")),
        {},
        "every option of question",
    ),
    ("some-options-wrong", multiple("m1", (True, "one"), (False, "two")), {}, None),
    (
        "same-prompt",
        single("d1", "yes", "not") + single("d1b", "yes", "not").replace("Pick d1b.", "Pick d1."),
        {},
        'question "d1b" asks the same as "d1"',
    ),
    ("different-prompts", single("d1", "yes", "not") + single("d2", "yes", "not"), {}, None),
    (
        "visible-pool",
        "",
        {"draw": "[{pool: final, count: 2}]", "max_attempts": "2", "show_answers": "after_submit"},
        'answers to all 4 questions of pool "final"',
    ),
    (
        "pool-answers-after-final",
        "",
        {"draw": "[{pool: final, count: 2}]", "max_attempts": "2", "show_answers": "after_final"},
        None,
    ),
    (
        "pool-larger-than-attempts",
        "",
        {"draw": "[{pool: final, count: 1}]", "max_attempts": "3", "show_answers": "after_submit"},
        None,
    ),
]


@pytest.mark.parametrize(
    ("quizzes", "settings", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_rule_warns_only_when_it_should(
    build_course: BuildCourse,
    problems_of: ProblemRows,
    quizzes: str,
    settings: dict[str, str],
    expected: str | None,
) -> None:
    front = "".join(f"{key}: {value}\n" for key, value in settings.items())
    lesson = f"---\ntitle: Quiz\nminutes: 10\n{front}---\nText.\n\n{quizzes}"
    files: dict[str, str | None] = {"01-basics/01-first.md": lesson}
    if settings.get("draw"):
        files["pools/final.md"] = POOL
    rows = problems_of(build_course(files))
    assert [r for r in rows if r[2] == "error"] == []
    warnings = [message for _path, _line, severity, message in rows if severity == "warning"]
    if expected is None:
        assert warnings == []
    else:
        assert len(warnings) == 1 and expected in warnings[0], warnings


def test_a_warning_points_at_the_line_to_change(build_course, problems_of):
    quiz = single("aa", "None of the above", "x")
    lesson = "---\ntitle: Quiz\nminutes: 10\n---\nText.\n\n" + quiz
    rows = problems_of(build_course({"01-basics/01-first.md": lesson}))
    # Line 13 is the option "None of the above", not the question's first line (7).
    assert [(path, line) for path, line, severity, _m in rows if severity == "warning"] == [
        ("course-a/01-basics/01-first.md", 13)
    ]
