"""Question-quality checks: warnings about questions a learner can pass without knowing the
answer, run by `courses check`, the studio and sync alike (through validate_course).

Each rule reports at the line a trainer has to change. The course-wide rules (the longest
option, true/false keyed one way) need a few questions before they say anything: with two
questions any split is chance.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from app.content.frontmatter import Problems
from app.content.model import CourseSource, QuestionSource

LONGEST_SHARE = 0.5  # the correct option is the longest in more than this share
TRUEFALSE_SHARE = 0.7  # more than this share of true/false questions keyed one way
MIN_QUESTIONS = 4  # the course-wide rules need at least this many questions
# Options that let a learner reason from the other options instead of the subject.
CATCH_ALL = re.compile(
    r"^(all|none|both|neither) of the (above|options)\.?$"
    r"|^以上(都|皆|均|全)(对|是|正确|不对|不是|错误|部)?[。.]?$|^以上全部[。.]?$|^以上选项(都|均)(对|正确)[。.]?$",
    re.IGNORECASE,
)


def check_question_quality(course: CourseSource, problems: Problems) -> None:
    """Add the quality warnings of every question of `course` to `problems`."""
    questions = list(course.questions())
    _longest_is_correct(course, questions, problems)
    _truefalse_one_way(course, questions, problems)
    _repeated_prompts(questions, problems)
    for question in questions:
        _answer_in_prompt(question, problems)
        _catch_all_options(question, problems)
        _every_option_correct(question, problems)
    _visible_pools(course, problems)


def _plain(text: str) -> str:
    """Text compared as a reader sees it: no Markdown emphasis, spaces collapsed, casefolded."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[*_`]", "", text)
    return " ".join(text.split()).casefold()


def _longest_is_correct(
    course: CourseSource, questions: list[QuestionSource], problems: Problems
) -> None:
    judged = [q for q in questions if q.type == "single" and len(q.options) >= 2]
    longest_right = []
    for question in judged:
        lengths = sorted((len(_plain(o.text)), o.correct) for o in question.options)
        if lengths[-1][1] and lengths[-1][0] > lengths[-2][0]:
            longest_right.append(question)
    if len(judged) >= MIN_QUESTIONS and len(longest_right) > LONGEST_SHARE * len(judged):
        first = longest_right[0]
        problems.warning(
            first.path,
            first.line,
            f"the correct option is the longest one in {len(longest_right)} of {len(judged)}"
            " single-choice questions of this course (the first is here): a learner who picks"
            " the longest option passes; make the wrong options as long and as precise",
        )


def _truefalse_one_way(
    course: CourseSource, questions: list[QuestionSource], problems: Problems
) -> None:
    keyed = [q for q in questions if q.type == "truefalse" and q.answers]
    if len(keyed) < MIN_QUESTIONS:
        return
    true = [q for q in keyed if q.answers[0] is True]
    false = [q for q in keyed if q.answers[0] is False]
    for word, group in (("true", true), ("false", false)):
        if len(group) > TRUEFALSE_SHARE * len(keyed):
            problems.warning(
                group[0].path,
                group[0].line,
                f"{len(group)} of {len(keyed)} true/false questions of this course are {word}"
                " (the first is here): a learner who always answers that way passes; balance"
                " them",
            )


def _repeated_prompts(questions: Iterable[QuestionSource], problems: Problems) -> None:
    seen: dict[str, QuestionSource] = {}
    for question in questions:
        prompt = _plain(question.prompt)
        if not prompt:
            continue
        first = seen.setdefault(prompt, question)
        if first is not question:
            problems.warning(
                question.path,
                question.line,
                f'question "{question.id}" asks the same as "{first.id}" ({first.path.name}'
                f" line {first.line}); one of them tests nothing new",
            )


def _answer_in_prompt(question: QuestionSource, problems: Problems) -> None:
    if question.type != "short":
        return
    prompt = _plain(question.prompt)
    for answer in question.answers:
        if isinstance(answer, str) and len(_plain(answer)) >= 2 and _plain(answer) in prompt:
            problems.warning(
                question.path,
                question.line,
                f'the accepted answer "{answer}" of question "{question.id}" appears in its'
                " prompt; a learner can copy it from there",
            )
            return


def _catch_all_options(question: QuestionSource, problems: Problems) -> None:
    for option in question.options:
        if CATCH_ALL.match(_plain(option.text)):
            problems.warning(
                question.path,
                option.line,
                f'option "{option.text}" of question "{question.id}" lets a learner answer from'
                " the other options rather than the subject; write a real option instead",
            )


def _every_option_correct(question: QuestionSource, problems: Problems) -> None:
    if (
        question.type == "multiple"
        and question.options
        and all(o.correct for o in question.options)
    ):
        problems.warning(
            question.path,
            question.line,
            f'every option of question "{question.id}" is correct: ticking all of them always'
            " scores; add options that are wrong",
        )


def _visible_pools(course: CourseSource, problems: Problems) -> None:
    sizes = {pool.name: len(pool.questions) for pool in course.pools}
    for lesson in course.lessons():
        settings = lesson.settings
        if settings.show_answers != "after_submit":
            continue
        for draw in settings.draw:
            size = sizes.get(draw.pool)
            if not size:
                continue
            attempts = settings.max_attempts
            if attempts == 0 or draw.count * attempts >= size:
                shown = "unlimited attempts" if attempts == 0 else f"{attempts} attempts"
                problems.warning(
                    lesson.path,
                    draw.line,
                    f"with answers shown after each attempt and {shown}, a learner sees the"
                    f' answers to all {size} questions of pool "{draw.pool}"; show answers'
                    " after_final, allow fewer attempts or add questions to the pool",
                )
