"""The parsed form of a course folder: frozen dataclasses that keep each source file and line.

The parser builds these; the checker, the renderer and the sync read them. Nothing here touches
the file system or the database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
QuestionType = Literal["single", "multiple", "truefalse", "short", "numeric"]
ShowAnswers = Literal["after_submit", "after_pass", "after_final", "never"]
# short: an accepted string; truefalse: one bool; numeric: inclusive (low, high) bounds.
Answer = str | bool | tuple[float, float]

QUESTION_TYPES: tuple[QuestionType, ...] = ("single", "multiple", "truefalse", "short", "numeric")
SHOW_ANSWERS: tuple[ShowAnswers, ...] = ("after_submit", "after_pass", "after_final", "never")


@dataclass(frozen=True)
class Problem:
    """One thing wrong (error) or suspicious (warning) at a line of a source file, or a note
    (info) on something the checker filled in, such as an estimated `minutes`."""

    path: Path
    line: int
    severity: Severity
    message: str


@dataclass(frozen=True)
class Link:
    """A relative link or image target written in a Markdown file, kept for the link check."""

    target: str
    line: int
    image: bool = False


@dataclass(frozen=True)
class Option:
    """A choice of a single or multiple question; `position` is 1-based in source order."""

    position: int
    text: str
    correct: bool
    feedback: str
    line: int


@dataclass(frozen=True)
class QuestionSource:
    """A quiz question from a `::: quiz` block in a lesson or a pool.

    `answers` holds strings for `short`, one bool for `truefalse` and (low, high) bounds for
    `numeric`; it is empty for `single` and `multiple`, whose answers are the correct options.
    """

    id: str
    type: QuestionType
    points: float
    scoring: Literal["all", "partial"]
    case_sensitive: bool
    prompt: str
    options: tuple[Option, ...]
    answers: tuple[Answer, ...]
    explanation: str
    path: Path
    line: int
    pool: str | None = None
    content_hash: str = ""
    # `numeric` only: each answer as the trainer wrote it, for the result page:
    # {"value": v}, {"value": v, "tolerance": t} or {"low": a, "high": b}.
    numeric_forms: tuple[dict[str, float], ...] = ()


@dataclass(frozen=True)
class TextSegment:
    """A run of lesson Markdown between quiz blocks; `line` is its first line in the file."""

    text: str
    line: int


@dataclass(frozen=True)
class QuestionSegment:
    """The place in a lesson where a `::: quiz` block was written (the renderer's placeholder)."""

    question_id: str
    line: int


Segment = TextSegment | QuestionSegment


@dataclass(frozen=True)
class Draw:
    """`{pool: NAME, count: N}` from a lesson's `draw` list."""

    pool: str
    count: int
    line: int


@dataclass(frozen=True)
class QuizSettings:
    """A lesson's quiz settings with the defaults of the course format filled in."""

    pass_percent: float = 80.0
    max_attempts: int = 0
    time_limit_minutes: int | None = None
    shuffle: bool = False
    draw: tuple[Draw, ...] = ()
    show_answers: ShowAnswers = "after_pass"


@dataclass(frozen=True)
class LessonSource:
    """A lesson file: front matter, body segments in written order and its own questions."""

    id: str
    title: str
    # As given in the front matter, or estimated from the text (`minutes_estimated`).
    minutes: int
    settings: QuizSettings
    body: tuple[Segment, ...]
    questions: tuple[QuestionSource, ...]
    path: Path
    links: tuple[Link, ...] = ()
    id_line: int = 1
    content_hash: str = ""
    # `requires:` lesson ids that must be completed first; `requires: all` is every other lesson.
    requires: tuple[str, ...] = ()
    requires_all: bool = False
    requires_line: int = 0
    minutes_estimated: bool = False

    def markdown(self, placeholder: Callable[[QuestionSegment], str]) -> str:
        """The body as one Markdown text with `placeholder(ref)` where each quiz block was."""
        parts = [
            seg.text if isinstance(seg, TextSegment) else f"\n{placeholder(seg)}\n"
            for seg in self.body
        ]
        return "\n".join(parts)


@dataclass(frozen=True)
class ModuleSource:
    """A module folder; `source` is its module.md, or None if the folder name gives id and title."""

    id: str
    title: str
    intro: str
    path: Path
    source: Path | None
    lessons: tuple[LessonSource, ...]
    links: tuple[Link, ...] = ()
    id_line: int = 1


@dataclass(frozen=True)
class PoolSource:
    """A question pool `pools/NAME.md`; lessons draw from it by NAME."""

    name: str
    path: Path
    questions: tuple[QuestionSource, ...]
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class CourseSource:
    """A course folder with its course.md front matter and overview, modules and pools."""

    id: str
    title: str
    summary: str
    language: Literal["en", "zh"]
    credit_hours: float
    status: Literal["draft", "published"]
    tags: tuple[str, ...]
    overview: str
    path: Path
    modules: tuple[ModuleSource, ...]
    pools: tuple[PoolSource, ...]
    links: tuple[Link, ...] = ()
    id_line: int = 1
    content_hash: str = ""

    @property
    def source(self) -> Path:
        """The course.md file."""
        return self.path / "course.md"

    def lessons(self) -> Iterator[LessonSource]:
        """Every lesson in course order."""
        for module in self.modules:
            yield from module.lessons

    def questions(self) -> Iterator[QuestionSource]:
        """Every question of the course: lesson questions in order, then pool questions."""
        for lesson in self.lessons():
            yield from lesson.questions
        for pool in self.pools:
            yield from pool.questions


def display_path(path: Path) -> str:
    """`path` relative to the working directory when it lies below it, else as given."""
    if path.is_absolute():
        try:
            return str(path.relative_to(Path.cwd()))
        except (ValueError, OSError):
            return str(path)
    return str(path)


def content_hash(value: Any) -> str:
    """sha256 hex of a canonical JSON serialisation of `value` (dicts, lists, str, numbers)."""
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def required_lessons(lesson: LessonSource, course: CourseSource) -> list[str]:
    """The ids of the lessons `lesson` requires: its list, or every other lesson for `all`."""
    if lesson.requires_all:
        return [other.id for other in course.lessons() if other.id != lesson.id]
    return list(lesson.requires)


def hash_question(question: QuestionSource) -> QuestionSource:
    """The question with its content hash (everything a learner sees or is scored on)."""
    canonical = {
        "id": question.id,
        "type": question.type,
        "points": question.points,
        "scoring": question.scoring,
        "case_sensitive": question.case_sensitive,
        "prompt": question.prompt,
        "options": [[o.text, o.correct, o.feedback] for o in question.options],
        "answers": [list(a) if isinstance(a, tuple) else a for a in question.answers],
        "explanation": question.explanation,
    }
    if question.numeric_forms:
        # `= 3.14 +- 0.01` and `= 3.13 .. 3.15` grade alike but read differently.
        canonical["numeric_forms"] = list(question.numeric_forms)
    return QuestionSource(**{**question.__dict__, "content_hash": content_hash(canonical)})


def hash_lesson(lesson: LessonSource) -> LessonSource:
    """The lesson with its content hash: front matter, body and question hashes."""
    settings = lesson.settings
    canonical = {
        "id": lesson.id,
        "title": lesson.title,
        "minutes": lesson.minutes,
        "settings": [
            settings.pass_percent,
            settings.max_attempts,
            settings.time_limit_minutes,
            settings.shuffle,
            [[d.pool, d.count] for d in settings.draw],
            settings.show_answers,
        ],
        "body": [
            s.text if isinstance(s, TextSegment) else ["quiz", s.question_id] for s in lesson.body
        ],
        "questions": [q.content_hash for q in lesson.questions],
    }
    if lesson.requires or lesson.requires_all:
        # Only when set, so adding the key left every earlier lesson's hash as it was.
        canonical["requires"] = "all" if lesson.requires_all else list(lesson.requires)
    return LessonSource(**{**lesson.__dict__, "content_hash": content_hash(canonical)})


def hash_course(course: CourseSource) -> CourseSource:
    """The course with its content hash: course.md, modules, lesson and pool hashes."""
    canonical = {
        "fields": [
            course.id,
            course.title,
            course.summary,
            course.language,
            course.credit_hours,
            course.status,
            list(course.tags),
            course.overview,
        ],
        "modules": [
            [m.id, m.title, m.intro, [lesson.content_hash for lesson in m.lessons]]
            for m in course.modules
        ],
        "pools": [[p.name, [q.content_hash for q in p.questions]] for p in course.pools],
    }
    return CourseSource(**{**course.__dict__, "content_hash": content_hash(canonical)})
