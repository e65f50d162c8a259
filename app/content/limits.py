"""Sizes a course may not pass, checked before anything is rendered.

Python-Markdown renders nested lists and block quotes by recursion: a 400-level list passed the
check and then crashed `courses sync` (RecursionError), and 2,000 levels ran for minutes and
took gigabytes. So the checker measures nesting from the lines themselves, as cheaply as it
reads them, and refuses what no lesson needs. Each limit is far above what the shipped courses
use (at most 2 levels, 13 KB files, 279-character lines, 20 questions in a quiz, 4 KB assets).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path

from app.content.frontmatter import Problems
from app.content.model import CourseSource
from app.content.quiz_blocks import FenceTracker

# Lists and block quotes inside each other: a reader is lost long before 20 levels, and
# Python-Markdown's recursion stays far from Python's limit.
MAX_NESTING = 20
# A course, module, lesson or pool file: a long lesson is 30 KB; 1 MB bounds the work of a sync.
MAX_SOURCE_BYTES = 1_000_000
# A paragraph on one line is a few hundred characters; longer lines are generated, not written.
MAX_LINE_CHARS = 10_000
# Questions one attempt shows (a lesson's own plus those it draws): also keeps the quiz form
# within the app's MAX_FORM_PARTS (100 questions × 12 options, all ticked, is 1,200 fields).
MAX_QUESTIONS_PER_QUIZ = 100
MAX_OPTIONS_PER_QUESTION = 12
# An image or handout in assets/: every asset is read into memory and stored at each sync.
MAX_ASSET_BYTES = 10 * 1024 * 1024

# A list item marker (`-`, `*`, `+`, `1.`, `1)`) followed by a space or the end of the line.
LIST_MARKER_RE = re.compile(r"(?:[-*+]|\d{1,9}[.)])(?=[ \t]|$)")
TAB = 4


def nesting(line: str) -> int:
    """How many lists and block quotes a line sits in, read from its start: each 4 columns of
    indentation, each `>` and each list marker is one level (as Python-Markdown nests them)."""
    text = line.expandtabs(TAB)
    depth = 0
    i = 0
    while i < len(text):
        start = i
        while i < len(text) and text[i] == " ":
            i += 1
        depth += (i - start) // TAB
        if i < len(text) and text[i] == ">":
            depth += 1
            i += 1
            continue
        marker = LIST_MARKER_RE.match(text, i)
        if marker is None:
            break
        depth += 1
        i = marker.end()
    return depth


def check_lines(lines: Sequence[str], first_line: int, path: Path, problems: Problems) -> None:
    """Report the first line nested deeper than MAX_NESTING (fenced code aside) and the first
    line longer than MAX_LINE_CHARS; once each, as one fix usually mends the rest."""
    fence = FenceTracker()
    deep = long = False
    for index, line in enumerate(lines):
        number = first_line + index
        if not long and len(line) > MAX_LINE_CHARS:
            long = True
            problems.error(
                path,
                number,
                f"this line has {len(line):,} characters; a line may have at most"
                f" {MAX_LINE_CHARS:,}, so break it into shorter lines or paragraphs",
            )
        if not deep and not fence.feed(line, number) and nesting(line) > MAX_NESTING:
            deep = True
            problems.error(
                path,
                number,
                f"lists and block quotes are nested more than {MAX_NESTING} levels deep here;"
                " flatten the structure (every 4 spaces of indentation, `>` or list marker"
                " is a level)",
            )
        if deep and long:
            return


def too_large(path: Path, problems: Problems) -> bool:
    """Whether a Markdown file is over MAX_SOURCE_BYTES (reported, and then not read)."""
    try:
        info = os.lstat(path)
    except OSError:
        return False  # the reader reports why it cannot read it
    if not stat.S_ISREG(info.st_mode) or info.st_size <= MAX_SOURCE_BYTES:
        return False
    problems.error(
        path,
        1,
        f"the file has {info.st_size:,} bytes; a course file may have at most"
        f" {MAX_SOURCE_BYTES:,}, so split it into several lessons",
    )
    return True


def check_course_sizes(course: CourseSource, problems: Problems) -> None:
    """Questions per quiz, options per question and asset sizes of one course."""
    for lesson in course.lessons():
        total = len(lesson.questions)
        if total > MAX_QUESTIONS_PER_QUIZ:
            problems.error(
                lesson.path,
                lesson.questions[MAX_QUESTIONS_PER_QUIZ].line,
                f"this is question {MAX_QUESTIONS_PER_QUIZ + 1} of the lesson; a quiz may have"
                f" at most {MAX_QUESTIONS_PER_QUIZ} questions, so split the lesson",
            )
            continue
        for draw in lesson.settings.draw:
            total += draw.count
            if total > MAX_QUESTIONS_PER_QUIZ:
                problems.error(
                    lesson.path,
                    draw.line,
                    f"with this draw the quiz has {total} questions; a quiz may have at most"
                    f" {MAX_QUESTIONS_PER_QUIZ}, so lower the count",
                )
                break
    for question in course.questions():
        if len(question.options) > MAX_OPTIONS_PER_QUESTION:
            problems.error(
                question.path,
                question.options[MAX_OPTIONS_PER_QUESTION].line,
                f'question "{question.id}" has {len(question.options)} options; a question may'
                f" have at most {MAX_OPTIONS_PER_QUESTION}",
            )
    _check_assets(course.path / "assets", problems)


def _check_assets(folder: Path, problems: Problems) -> None:
    if not folder.is_dir() or folder.is_symlink():
        return
    # os.walk does not follow links (the intake gate reports those); hidden files are not
    # imported, as in app.content.sync.
    for parent, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in files:
            if name.startswith("."):
                continue
            path = Path(parent) / name
            try:
                info = os.lstat(path)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode) and info.st_size > MAX_ASSET_BYTES:
                problems.error(
                    path,
                    1,
                    f"the file has {info.st_size:,} bytes; an asset may have at most"
                    f" {MAX_ASSET_BYTES // (1024 * 1024)} MB, so make it smaller (compress an"
                    " image, shrink a PDF) or link to it where it is published",
                )
