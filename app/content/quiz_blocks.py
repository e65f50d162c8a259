"""Split a Markdown body into text and `::: quiz` blocks, and parse each block into a
`QuestionSource`. (Taking a quiz is app/quiz; this only reads what a trainer wrote.)"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.content.frontmatter import Fields, Problems, load_yaml_mapping
from app.content.model import (
    QUESTION_TYPES,
    Answer,
    Option,
    QuestionSource,
    QuestionType,
    hash_question,
)

FENCE_RE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")
# Anything that looks like an option, so that near misses get a message instead of vanishing.
OPTION_LIKE_RE = re.compile(r"^([-*+])\s*\[(.?)\](?![(\[:])\s?(.*)$")
FEEDBACK_RE = re.compile(r"^ {2,}>\s?(.*)$")
ANSWER_RE = re.compile(r"^=(?:\s+(.*)|\s*)$")
EXPLANATION = "Explanation:"
HEADER_LINE_RE = re.compile(r"^(\s*#|[A-Za-z_][\w-]*\s*:(\s|$)|\s+\S)")
HEADER_KEYS = ("id", "type", "points", "scoring", "case")
NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
EXACT_RE = re.compile(rf"^({NUM})$")
TOLERANCE_RE = re.compile(rf"^({NUM})\s*(?:\+-|±)\s*({NUM})$")
RANGE_RE = re.compile(rf"^({NUM})\s*\.\.\s*({NUM})$")
ANSWER_EXAMPLES = {"truefalse": "= true", "short": "= the accepted answer", "numeric": "= 42"}


class FenceTracker:
    """Follows fenced code blocks (``` or ~~~) line by line."""

    def __init__(self) -> None:
        self.marker = ""
        self.line = 0

    def feed(self, text: str, line: int) -> bool:
        """Take the next line; True when it is code (inside a fence, or a fence line itself)."""
        match = FENCE_RE.match(text)
        if self.marker:
            fence, rest = match.groups() if match else ("", "")
            if fence.startswith(self.marker) and not rest.strip():
                self.marker = ""
            return True
        if match and not (match.group(1)[0] == "`" and "`" in match.group(2)):
            self.marker, self.line = match.group(1), line
            return True
        return False


@dataclass
class RawBlock:
    """The lines between `::: quiz` (at `line`) and its closing `:::`."""

    line: int
    lines: list[str] = field(default_factory=list)


def parse_numeric(text: str) -> tuple[float, float] | str:
    """Parse a numeric answer to inclusive (low, high) bounds, or return what is wrong with it."""
    text = text.strip()
    if match := EXACT_RE.match(text):
        low = high = float(match.group(1))
    elif match := TOLERANCE_RE.match(text):
        value, tolerance = float(match.group(1)), float(match.group(2))
        if tolerance < 0:
            return f'the tolerance in "{text}" is negative; write it as a number >= 0'
        # 12 significant digits, so that 3.14 +- 0.005 starts at 3.135 and not 3.1350000000000002.
        low, high = float(f"{value - tolerance:.12g}"), float(f"{value + tolerance:.12g}")
    elif match := RANGE_RE.match(text):
        low, high = float(match.group(1)), float(match.group(2))
        if low > high:
            return f'the range "{text}" starts above its end; write the smaller number first'
    else:
        return (
            f'cannot read "{text}" as a number; write `= 86400`, `= 3.14 +- 0.01` or'
            " `= 3.1 .. 3.2` (with a point for decimals)"
        )
    if not (math.isfinite(low) and math.isfinite(high)):
        return f'the number "{text}" is too large'
    return (low, high)


@dataclass
class _OptionDraft:
    position: int
    line: int
    correct: bool
    text: list[str]
    feedback: list[str] = field(default_factory=list)


@dataclass
class _Body:
    prompt: list[str] = field(default_factory=list)
    options: list[_OptionDraft] = field(default_factory=list)
    answers: list[tuple[int, str]] = field(default_factory=list)
    explanation: list[str] | None = None


def parse_block(
    block: RawBlock, path: Path, problems: Problems, pool: str | None = None
) -> QuestionSource | None:
    """Parse one quiz block; report every problem and return None when id or type are unusable."""
    first = block.line + 1
    lines = block.lines
    header_end = 0
    while header_end < len(lines) and lines[header_end].strip():
        if not HEADER_LINE_RE.match(lines[header_end]):
            if header_end == 0:
                break
            problems.error(
                path,
                first + header_end,
                "the quiz header (id, type, points) must end with a blank line before the"
                " question text; add an empty line above this one",
            )
            break
        header_end += 1
    if header_end == 0:
        problems.error(
            path,
            block.line,
            "quiz block has no header; start it with lines `id: ...` and `type: ...`,"
            " then a blank line, then the question",
        )
        return None
    mapping = load_yaml_mapping(lines[:header_end], first, path, problems, "quiz header")
    if mapping is None:
        return None
    fields = Fields(mapping, path, problems, "quiz header", block.line)
    qid = fields.identifier("id", "id: my-question")
    qtype = _question_type(fields)
    points = fields.number("points", "points: 1", required=False)
    scoring = fields.choice("scoring", ("partial", "all"), required=False)
    case = fields.choice("case", ("sensitive", "insensitive"), required=False)
    fields.warn_unknown(HEADER_KEYS)
    if scoring is not None and qtype not in (None, "multiple"):
        problems.warning(path, fields.line("scoring"), "`scoring` only applies to type multiple")
    if case is not None and qtype not in (None, "short"):
        problems.warning(path, fields.line("case"), "`case` only applies to type short")
    body = _parse_body(lines, header_end, first, path, problems)
    if qtype is None:
        return None
    # Check the body even without a usable id, so one run reports every mistake in the block.
    answers = _check_question(qid or "(no id)", qtype, body, block.line, path, problems)
    if qid is None:
        return None
    options = tuple(
        Option(o.position, _join(o.text), o.correct, _join(o.feedback), o.line)
        for o in body.options
    )
    question = QuestionSource(
        id=qid,
        type=qtype,
        points=points if points is not None else 1.0,
        scoring="partial" if scoring == "partial" else "all",
        case_sensitive=case == "sensitive",
        prompt=_join(body.prompt),
        options=options,
        answers=answers,
        explanation=_join(body.explanation or []),
        path=path,
        line=block.line,
        pool=pool,
        numeric_forms=_numeric_forms(body.answers) if qtype == "numeric" else (),
    )
    return hash_question(question)


def _join(lines: list[str]) -> str:
    return "\n".join(lines).strip()


def _question_type(fields: Fields) -> QuestionType | None:
    value = fields.text("type", "type: single")
    if value is None:
        return None
    for known in QUESTION_TYPES:
        if value == known:
            return known
    close = difflib.get_close_matches(value, QUESTION_TYPES, n=1)
    hint = f' (did you mean "{close[0]}"?)' if close else ""
    fields.problems.error(
        fields.path,
        fields.line("type"),
        f'unknown question type "{value}"{hint}; use one of: {", ".join(QUESTION_TYPES)}',
    )
    return None


def _parse_body(
    lines: Sequence[str], start: int, first: int, path: Path, problems: Problems
) -> _Body:
    body = _Body()
    last: list[str] | None = None  # the option text or feedback a continuation line extends
    fence = FenceTracker()
    for index in range(start, len(lines)):
        line, number = lines[index], first + index
        if body.explanation is not None:
            body.explanation.append(line)
            continue
        code = fence.feed(line, number)
        if code:
            pass
        elif line.startswith(EXPLANATION):
            body.explanation = [line[len(EXPLANATION) :].strip()]
            continue
        elif match := OPTION_LIKE_RE.match(line):
            last = _add_option(match, body, number, path, problems)
            continue
        elif match := FEEDBACK_RE.match(line):
            if last is not None and body.options:
                body.options[-1].feedback.append(match.group(1))
                last = body.options[-1].feedback
            else:
                problems.error(
                    path,
                    number,
                    "feedback (`  > ...`) must come right after its option, with no blank line",
                )
            continue
        elif match := ANSWER_RE.match(line):
            body.answers.append((number, (match.group(1) or "").strip()))
            last = None
            continue
        if not line.strip():
            last = None
            if not body.options and not body.answers:
                body.prompt.append(line)
            continue
        if not body.options and not body.answers:
            body.prompt.append(line)
        elif last is not None and (code or line.startswith("  ")):
            last.append(line.strip() if not code else line)
        elif line.startswith(">") and body.options:
            problems.error(
                path, number, "indent option feedback by two spaces: `  > ...` under the option"
            )
        else:
            problems.error(
                path,
                number,
                "text after the options or answers belongs to nothing; move it into the prompt"
                " above, or start the explanation with `Explanation:`",
            )
    return body


def _add_option(
    match: re.Match[str], body: _Body, number: int, path: Path, problems: Problems
) -> list[str] | None:
    bullet, marker, text = match.groups()
    if bullet != "-" or marker not in (" ", "x", "X"):
        problems.error(
            path, number, "write an option as `- [x] text` (correct) or `- [ ] text` (wrong)"
        )
        return None
    if not text.strip():
        problems.error(path, number, "this option has no text; write it after `- [ ] `")
    draft = _OptionDraft(len(body.options) + 1, number, marker != " ", [text.strip()])
    body.options.append(draft)
    return draft.text


def _check_question(
    qid: str, qtype: QuestionType, body: _Body, line: int, path: Path, problems: Problems
) -> tuple[Answer, ...]:
    """Apply the per-type rules of the course format; return the parsed accepted answers."""
    name = f'question "{qid}" is type {qtype}'
    if not "\n".join(body.prompt).strip():
        problems.error(
            path,
            line,
            f'question "{qid}" has no prompt; write the question after the header and its blank'
            " line, before the first option or answer",
        )
    if qtype in ("single", "multiple"):
        for number, _ in body.answers:
            problems.error(
                path,
                number,
                f"{name}, which uses options (`- [x]`, `- [ ]`), not `=` answers; remove this line",
            )
        correct = sum(o.correct for o in body.options)
        if len(body.options) < 2:
            problems.error(
                path,
                line,
                f"{name} but has {len(body.options)} option(s); give at least two options"
                " (`- [x] ...` and `- [ ] ...`)",
            )
        elif qtype == "single" and correct != 1:
            problems.error(
                path,
                line,
                f"{name} but has {correct} correct options ([x]); mark exactly one option [x]",
            )
        elif qtype == "multiple" and correct == 0:
            problems.error(
                path, line, f"{name} but no option is marked [x]; mark at least one option [x]"
            )
        return ()
    if body.options:
        problems.error(
            path,
            body.options[0].line,
            f"{name}, which takes `=` answer lines, not options; remove the options"
            f" or change the type",
        )
    if not body.answers:
        problems.error(
            path, line, f"{name} but has no answer; add a line such as `{ANSWER_EXAMPLES[qtype]}`"
        )
    return _parse_answers(qid, qtype, body.answers, path, problems)


def numeric_form(text: str) -> dict[str, float] | None:
    """A numeric answer as written: an exact value, a value with a tolerance, or a range."""
    text = text.strip()
    if match := EXACT_RE.match(text):
        return {"value": float(match.group(1))}
    if match := TOLERANCE_RE.match(text):
        return {"value": float(match.group(1)), "tolerance": float(match.group(2))}
    if match := RANGE_RE.match(text):
        return {"low": float(match.group(1)), "high": float(match.group(2))}
    return None


def _numeric_forms(lines: list[tuple[int, str]]) -> tuple[dict[str, float], ...]:
    forms = [numeric_form(text) for _number, text in lines]
    # An unreadable answer is already an error of the check; show nothing rather than guess.
    return tuple(form for form in forms if form is not None) if all(forms) else ()


def _parse_answers(
    qid: str, qtype: QuestionType, lines: list[tuple[int, str]], path: Path, problems: Problems
) -> tuple[Answer, ...]:
    answers: list[Answer] = []
    for index, (number, text) in enumerate(lines):
        if not text:
            problems.error(path, number, "this answer line is empty; write the answer after `= `")
        elif qtype == "truefalse":
            if index > 0:
                problems.error(
                    path, number, f'truefalse question "{qid}" takes exactly one `=` line'
                )
            elif text.lower() in ("true", "false"):
                answers.append(text.lower() == "true")
            else:
                problems.error(
                    path,
                    number,
                    f'the answer to truefalse question "{qid}" must be `= true` or `= false`,'
                    f' not "{text}"',
                )
        elif qtype == "short":
            answers.append(text)
        else:
            parsed = parse_numeric(text)
            if isinstance(parsed, str):
                problems.error(path, number, parsed)
            else:
                answers.append(parsed)
    return tuple(answers)
