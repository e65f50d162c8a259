"""Moodle GIFT import: each construct converts to the quiz format (or is reported), and what is
written passes `courses check`."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.content.check import check_paths
from app.content.gift import convert
from app.content.gift_text import GiftError, decode
from tests.content.conftest import BuildCourse

SOURCE = Path("bank.txt")

# (GIFT, text expected in the written block(s)); each must convert to exactly one question.
CONVERTS = [
    (
        "::Capital::What is the capital of France? {=Paris ~London ~Berlin}",
        ["id: capital", "type: single", "What is the capital", "- [x] Paris", "- [ ] London"],
    ),
    (
        "Pick the safe one {=HTTPS#Encrypted. ~HTTP#Sent in clear text.}",
        ["- [x] HTTPS\n  > Encrypted.", "- [ ] HTTP\n  > Sent in clear text."],
    ),
    (
        "Which are prime? {~%50%2 ~%50%3 ~%-100%4}",
        ["type: multiple", "- [x] 2", "- [x] 3", "- [ ] 4"],
    ),
    (
        "Which matter most? {~%70%Backups ~%30%Patches ~%0%Colours}",
        ["type: multiple", "scoring: partial", "- [x] Backups", "- [ ] Colours"],
    ),
    ("The sun rises in the east. {T}", ["type: truefalse", "= true"]),
    ("Passwords may be shared. {FALSE#Never share them.}", ["= false", "Never share them."]),
    (
        "Name the protocol of the web. {=HTTP =http =HTTP/1.1}",
        ["type: short", "= HTTP", "= HTTP/1.1"],
    ),
    ("Seconds in a day? {#86400}", ["type: numeric", "= 86400"]),
    ("Pi to two places? {#3.14:0.01}", ["= 3.14 +- 0.01"]),
    ("A number from 1 to 5? {#1..5}", ["= 1 .. 5"]),
    ("Two answers {#=2:0 =%50%3}", ["= 2 +- 0"]),
    (
        "Who signs? {=The director ~A clerk####The director is accountable.}",
        ["Explanation: The director is accountable."],
    ),
    ("[markdown]Is **this** bold? {T}", ["Is **this** bold?"]),
    ("[plain]Plain text {T}", ["Plain text"]),
    (
        "Escapes: 1 \\= 1, \\{x\\}, a\\#b, c\\~d, e\\:f, back\\\\slash {=yes ~no}",
        ["Escapes: 1 = 1, {x}, a#b, c~d, e:f, back\\slash"],
    ),
    ("// a comment\n$CATEGORY: security/passwords\n\nQ after a category {T}", ["Q after a"]),
    ("::名称::中文题目？{=对 ~错}", ["id: bank-1", "中文题目？", "- [x] 对"]),
]


@pytest.mark.parametrize(("gift", "expected"), CONVERTS, ids=[c[0][:30] for c in CONVERTS])
def test_each_construct_converts(gift: str, expected: list[str]) -> None:
    result = convert(gift, SOURCE, "bank")
    assert len(result.blocks) == 1, result.problems
    for fragment in expected:
        assert fragment in result.blocks[0], result.blocks[0]


# (GIFT, part of the warning); nothing is converted from each.
REPORTED = [
    ("Write an essay. {}", "an essay question"),
    ("Match them. {=cat -> meow =dog -> woof}", "a matching question"),
    ("Moodle costs {~lots =nothing} to download.", "a missing-word question"),
    ("Only a description, no answers.", "a description"),
    ("Half right only {=%50%maybe}", 'the partly right answer "maybe"'),
    ("Numbers {#abc}", 'the numerical answer "abc"'),
    ("Two right {=a =b ~c}", "exactly one = answer"),
]


@pytest.mark.parametrize(("gift", "warning"), REPORTED, ids=[r[1] for r in REPORTED])
def test_what_cannot_convert_is_reported_at_its_line(gift: str, warning: str) -> None:
    result = convert("// first line\n\n" + gift, SOURCE, "bank")
    assert result.blocks == []
    assert [(p.line, p.severity) for p in result.problems] == [(3, "warning")]
    assert warning in result.problems[0].message


@pytest.mark.parametrize(
    ("gift", "warning"),
    [
        ("Pick {=right ~%50%half ~wrong}", 'the part marks (50%) of "half"'),
        ("Two answers {#=2:0 =%50%3}", 'the partly right answer "3" (50%)'),
    ],
    ids=["single", "numerical"],
)
def test_part_marks_that_cannot_be_kept_are_reported(gift: str, warning: str) -> None:
    result = convert(gift, SOURCE, "bank")
    assert len(result.blocks) == 1
    assert [p.message for p in result.problems if warning in p.message], result.problems


def test_a_negative_weight_is_reported_and_the_option_kept_as_wrong() -> None:
    result = convert("Which? {~%100%a ~%-50%b}", SOURCE, "bank")
    assert "- [ ] b" in result.blocks[0]
    assert "negative weight" in result.problems[0].message


def test_an_unclosed_brace_is_an_error_at_the_line_the_question_began() -> None:
    text = "Fine {T}\n\n::broken::Never closed {=a ~b\n\nMore text {T}\n"
    result = convert(text, SOURCE, "bank")
    assert len(result.blocks) == 1
    assert [(p.line, p.severity) for p in result.problems] == [(3, "error")]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("\ufeffQ {T}".encode(), "Q {T}"),
        ("题目 {T}".encode("gb18030"), "题目 {T}"),
    ],
    ids=["bom", "gb18030"],
)
def test_a_bom_or_gb18030_is_read(data: bytes, expected: str) -> None:
    assert decode(data) == expected


@pytest.mark.parametrize("data", [b"", b"  \n", b"\x00\x01PNG"], ids=["empty", "blank", "binary"])
def test_an_empty_or_binary_file_says_so(data: bytes) -> None:
    with pytest.raises(GiftError):
        decode(data)


BANK = """// Exported from Moodle
$CATEGORY: $course$/Security

::pw-share::Sharing a password with a colleague is allowed. {F#It never is.}

::pw-length::How many characters at least? {#12:0}

::phish::Which sign suggests phishing? {
  =An urgent request to sign in through a link#Yes: urgency is the usual lever.
  ~A message from a known colleague
  ~A message in Chinese
####Look at the sender's address and the link before anything else.}

::mfa::Name the second step after a password. {=code =verification code}

Write about security. {}
"""


def test_the_command_writes_a_pool_that_passes_the_check(
    build_course: BuildCourse, runner, tmp_path: Path
) -> None:
    course = build_course()
    bank = tmp_path / "bank.txt"
    bank.write_text(BANK, encoding="utf-8")
    args = ["courses", "import-gift", str(bank), "--course-dir", str(course), "--pool", "sec"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Wrote 4 questions to" in result.output
    assert "bank.txt:16: warning: an essay question" in result.output
    pool = (course / "pools" / "sec.md").read_text(encoding="utf-8")
    assert "id: pw-share" in pool and "id: phish" in pool
    errors = [p for p in check_paths([course]).problems if p.severity == "error"]
    assert errors == []
    parsed = check_paths([course]).courses[0]
    assert [q.id for q in parsed.pools[0].questions] == ["pw-share", "pw-length", "phish", "mfa"]
    # A second run keeps the pool unless told to replace it.
    again = runner.invoke(args=args)
    assert again.exit_code == 1 and "--force" in again.output


def test_the_command_writes_nothing_when_nothing_converts(
    build_course: BuildCourse, runner, tmp_path: Path
) -> None:
    course = build_course()
    bank = tmp_path / "essays.txt"
    bank.write_text("Write an essay. {}\n", encoding="utf-8")
    args = ["courses", "import-gift", str(bank), "--course-dir", str(course), "--pool", "x"]
    result = runner.invoke(args=args)
    assert result.exit_code == 1 and "nothing written" in result.output
    assert not (course / "pools" / "x.md").exists()
