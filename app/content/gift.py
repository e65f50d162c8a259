"""Moodle GIFT question banks to this academy's quiz format (a pool file of `::: quiz` blocks).

`convert(text, source)` returns the quiz blocks it could write and, as `Problem`s with the line
where each question began, what it left out and why: nothing is dropped silently. Converted:
single and multiple choice (percentage weights: a positive weight marks a correct option, and
unequal weights make the scoring partial), true/false, short answer (the accepted answers),
numerical (exact, `:tolerance`, `min..max`), feedback after `#` (an option's feedback, or for
the other types a line of the explanation), general feedback after `####` (the explanation),
`::name::` (the id), the `[markdown]`, `[plain]`, `[html]` formats, escapes and comments.
Left out, with a warning: essay, matching, missing word (text after the answers), descriptions,
negative weights and partly right short or numerical answers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from app.content.gift_text import chunks, find, split, unescape
from app.content.model import Problem

FORMATS = ("markdown", "plain", "html", "moodle")
WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
NUMBER = r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?"


@dataclass
class Converted:
    """The quiz blocks written from a GIFT file and what was left out."""

    blocks: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _one_line(text: str) -> str:
    return " ".join(unescape(text).split())


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:48]


@dataclass
class _Question:
    line: int
    name: str
    prompt: str
    body: str


def _parse(line: int, chunk: str, path: Path, problems: list[Problem]) -> _Question | None:
    """The parts of one question, or None (with a warning) when it is not one to convert."""
    text = chunk.strip()
    if text.startswith("$CATEGORY:"):
        first, _newline, text = text.partition("\n")
        text = text.strip()
        if not text:
            return None
    name = ""
    if text.startswith("::"):
        end = find(text, "::", 2)
        if end > 0:
            name, text = unescape(text[2:end]).strip(), text[end + 2 :].lstrip()
    for kind in FORMATS:
        if text.lower().startswith(f"[{kind}]"):
            text = text[len(kind) + 2 :].lstrip()
            if kind == "html":
                problems.append(
                    Problem(
                        path,
                        line,
                        "info",
                        "HTML question text is kept as written; the"
                        " site removes anything unsafe when it is shown",
                    )
                )
            break
    opening = find(text, "{")
    if opening < 0:
        problems.append(
            Problem(
                path,
                line,
                "warning",
                "a description (text without answers) is not a question; it is left out",
            )
        )
        return None
    closing = find(text, "}", opening)
    after = text[closing + 1 :].strip()
    if after:
        problems.append(
            Problem(
                path,
                line,
                "warning",
                "a missing-word question (text after the answers) is"
                " not converted; write the blank as a short question instead",
            )
        )
        return None
    return _Question(line, name, unescape(text[:opening]).strip(), text[opening + 1 : closing])


def _answer(part: str) -> tuple[str, float | None, str, str]:
    """(`=` or `~`, weight or None, text, feedback) of one answer of a block."""
    sign, rest = part[0], part[1:].strip()
    weight = None
    if match := WEIGHT.match(rest):
        weight, rest = float(match.group(1)), rest[match.end() :].strip()
    cut = find(rest, "#")
    feedback = _one_line(rest[cut + 1 :]) if cut >= 0 else ""
    return sign, weight, (rest[:cut] if cut >= 0 else rest).strip(), feedback


def _block(
    qid: str, kind: str, prompt: str, lines: list[str], explanation: list[str], extra: str = ""
) -> str:
    header = f"::: quiz\nid: {qid}\ntype: {kind}\n{extra}"
    text = f"{header}\n{prompt}\n\n" + "\n".join(lines) + "\n"
    notes = [note for note in explanation if note]
    if notes:
        text += "\nExplanation: " + "\n\n".join(notes) + "\n"
    return text + ":::\n"


def _convert(question: _Question, qid: str, path: Path, problems: list[Problem]) -> str | None:
    body, general = question.body, ""
    cut = find(body, "####")
    if cut >= 0:
        body, general = body[:cut], unescape(body[cut + 4 :]).strip()
    body = body.strip()
    explanation = [general]

    def skip(message: str) -> None:
        problems.append(Problem(path, question.line, "warning", f"{message}; it is left out"))

    if not question.prompt:
        skip("the question has no text")
        return None
    if not body:
        skip("an essay question (empty answers) cannot be marked here")
        return None
    if body.startswith("#"):
        return _numerical(question, qid, body[1:], explanation, skip, path, problems)
    head = body.split("#", 1)
    if head[0].strip().upper() in ("T", "TRUE", "F", "FALSE"):
        answer = "true" if head[0].strip().upper().startswith("T") else "false"
        feedback = [_one_line(f) for f in body.split("#")[1:]]
        return _block(qid, "truefalse", question.prompt, [f"= {answer}"], [*feedback, general])
    if find(body, "->") >= 0:
        skip("a matching question cannot be converted")
        return None
    answers = [_answer(part) for part in split(body, "=~")]
    if any(sign not in "=~" for sign, *_rest in answers):
        skip("the answers could not be read (each starts with = or ~)")
        return None
    right = [a for a in answers if a[0] == "="]
    wrong = [a for a in answers if a[0] == "~"]
    if not wrong:
        return _short(question, qid, right, explanation, path, problems)
    weighted = [a for a in wrong if a[1] is not None]
    if not right and weighted:
        return _multiple(question, qid, answers, explanation, path, problems)
    if len(right) != 1:
        skip("a choice question needs exactly one = answer, or weights on ~ answers")
        return None
    lines = []
    for sign, weight, text, feedback in answers:
        if sign == "~" and weight:
            problems.append(
                Problem(
                    path,
                    question.line,
                    "warning",
                    f'the part marks ({weight:g}%) of "{_one_line(text)}" cannot be given in a'
                    " single-choice question; the option is kept as a wrong one",
                )
            )
        lines.append(f"- [{'x' if sign == '=' else ' '}] {_one_line(text)}")
        if feedback:
            lines.append(f"  > {feedback}")
    if len(lines) and len(answers) < 2:
        skip("a choice question needs at least two options")
        return None
    return _block(qid, "single", question.prompt, lines, explanation)


def _multiple(question, qid, answers, explanation, path, problems):  # noqa: ANN001, ANN202
    lines, weights = [], set()
    for _sign, weight, text, feedback in answers:
        weight = weight or 0.0
        if weight < 0:
            problems.append(
                Problem(
                    path,
                    question.line,
                    "warning",
                    f'the negative weight of "{_one_line(text)}"'
                    " is not converted; the option is kept as a wrong one, without a penalty",
                )
            )
        if weight > 0:
            weights.add(weight)
        lines.append(f"- [{'x' if weight > 0 else ' '}] {_one_line(text)}")
        if feedback:
            lines.append(f"  > {feedback}")
    if not weights:
        problems.append(
            Problem(
                path, question.line, "warning", "no option has a positive weight; it is left out"
            )
        )
        return None
    # Equal weights are all-or-nothing in Moodle's spirit; unequal ones give partial credit.
    extra = "scoring: partial\n" if len(weights) > 1 else ""
    return _block(qid, "multiple", question.prompt, lines, explanation, extra)


def _partly_right(
    question: _Question, text: str, weight: float, path: Path, problems: list[Problem]
) -> None:
    """Report an answer worth part marks, which the quiz format cannot give, as left out."""
    problems.append(
        Problem(
            path,
            question.line,
            "warning",
            f'the partly right answer "{text}" ({weight:g}%) cannot be given part marks here;'
            " it is left out",
        )
    )


def _short(question, qid, right, explanation, path, problems):  # noqa: ANN001, ANN202
    lines, notes = [], []
    for _sign, weight, text, feedback in right:
        if weight is not None and weight < 100:
            _partly_right(question, _one_line(text), weight, path, problems)
            continue
        lines.append(f"= {_one_line(text)}")
        notes.append(feedback)
    if not lines:
        return None  # each answer left out has its warning above
    return _block(qid, "short", question.prompt, lines, [*notes, *explanation])


def _numerical(question, qid, body, explanation, skip, path, problems):  # noqa: ANN001, ANN202
    parts = split(body, "=") if body.strip().startswith("=") else ["=" + body]
    lines, notes = [], []
    for part in parts:
        _sign, weight, text, feedback = _answer(part)
        if weight is not None and weight < 100:
            _partly_right(question, text.strip(), weight, path, problems)
            continue
        text = text.replace(" ", "")
        if match := re.fullmatch(f"({NUMBER}):({NUMBER})", text):
            lines.append(f"= {match.group(1)} +- {match.group(2)}")
        elif match := re.fullmatch(f"({NUMBER})\\.\\.({NUMBER})", text):
            lines.append(f"= {match.group(1)} .. {match.group(2)}")
        elif re.fullmatch(NUMBER, text):
            lines.append(f"= {text}")
        else:
            skip(f'the numerical answer "{text}" is not a number, a number:tolerance or min..max')
            return None
        notes.append(feedback)
    if not lines:
        skip("no fully right numerical answer")
        return None
    return _block(qid, "numeric", question.prompt, lines, [*notes, *explanation])


def convert(text: str, path: Path, prefix: str) -> Converted:
    """Convert the GIFT `text` of file `path`; ids are the `::name::`s, else `prefix-N`."""
    result = Converted()
    questions, unclosed = chunks(text)
    used: set[str] = set()
    for number, (line, chunk) in enumerate(questions, 1):
        question = _parse(line, chunk, path, result.problems)
        if question is None:
            continue
        qid = _slug(question.name) or f"{prefix}-{number}"
        while qid in used:
            qid = f"{qid}-{number}"
        block = _convert(question, qid, path, result.problems)
        if block is not None:
            used.add(qid)
            result.blocks.append(block)
    if unclosed is not None:
        result.problems.append(
            Problem(
                path,
                unclosed,
                "error",
                "this question opens { and never closes it; add the"
                " closing } (or escape a literal one as \\{)",
            )
        )
    return result
