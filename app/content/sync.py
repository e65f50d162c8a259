"""Import checked courses into the database: render once, keep identity, archive, never delete.

`sync_course` takes one parsed course of a `CheckReport` that has no errors and writes it into
the caller's session, flushing but never committing: the caller commits once per course, so
each course is imported in one transaction and one course's failure leaves the others
untouched. A course whose files and assets are byte-for-byte what was last imported is
skipped by hash. `sync_and_refresh` also brings the course's enrollment rollups up to date,
as every caller (the command, the demo loader) needs.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.content import model as parsed
from app.content.intake import UnsafeCourseError, is_plain_file, read_plain_file, unsafe_entries
from app.content.lookup import course_by_slug
from app.content.render import (
    RENDER_VERSION,
    quiz_placeholder,
    render_markdown,
    render_quiz_text,
)
from app.models import Course, CourseAsset, Lesson, Module, Question, QuestionVersion
from app.models.types import utcnow
from app.progress.rollups import refresh_course_rollups

ProgressCallback = Callable[[str], None]


@dataclass
class Tally:
    """How many items a sync added, updated, archived and left unchanged."""

    added: int = 0
    updated: int = 0
    archived: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, "
            f"{self.archived} archived, {self.unchanged} unchanged"
        )


@dataclass
class CourseSync:
    """What happened to one course."""

    slug: str
    outcome: str  # added | updated | unchanged
    lessons: Tally = field(default_factory=Tally)
    questions: Tally = field(default_factory=Tally)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _asset_files(course: parsed.CourseSource) -> dict[str, Path]:
    folder = course.path / "assets"
    if not folder.is_dir():
        return {}

    def hidden(path: Path) -> bool:
        return any(part.startswith(".") for part in path.relative_to(folder).parts)

    return {
        p.relative_to(folder).as_posix(): p
        for p in sorted(folder.rglob("*"))
        if is_plain_file(p) and not hidden(p)
    }


class _Urls:
    """Maps relative links in a course's files to the URLs the site serves them at."""

    def __init__(self, course: parsed.CourseSource, asset_hashes: dict[str, str]) -> None:
        self.slug = course.id
        self.root = course.path.resolve()
        self.assets = self.root / "assets"
        self.asset_hashes = asset_hashes
        self.lessons = {lesson.path.resolve(): lesson.id for lesson in course.lessons()}

    def resolver(self, source: Path) -> Callable[[str], str | None]:
        base = source.resolve().parent

        def resolve(url: str) -> str | None:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or not parts.path:
                return None
            target = (base / unquote(parts.path)).resolve()
            fragment = f"#{parts.fragment}" if parts.fragment else ""
            if target.is_relative_to(self.assets):
                name = target.relative_to(self.assets).as_posix()
                version = self.asset_hashes.get(name, "")[:12]
                return f"/courses/{self.slug}/assets/{quote(name)}?v={version}{fragment}"
            if target in self.lessons:
                return f"/courses/{self.slug}/lessons/{self.lessons[target]}{fragment}"
            return None

        return resolve


def _question_data(question: parsed.QuestionSource, urls: _Urls) -> dict[str, Any]:
    resolve = urls.resolver(question.path)

    def md(text: str, inline: bool = False) -> str:
        return render_quiz_text(text, inline=inline, resolve_url=resolve) if text else ""

    answers: list[Any] = [list(a) if isinstance(a, tuple) else a for a in question.answers]
    return {
        "type": question.type,
        "points": question.points,
        "scoring": question.scoring,
        "case_sensitive": question.case_sensitive,
        "prompt_html": md(question.prompt),
        "options": [
            {
                "position": o.position,
                "html": md(o.text, inline=True),
                "correct": o.correct,
                "feedback_html": md(o.feedback),
            }
            for o in question.options
        ],
        "answers": answers,
        "explanation_html": md(question.explanation),
        **({"numeric_forms": list(question.numeric_forms)} if question.numeric_forms else {}),
    }


def _combined_hash(*parts: str) -> str:
    return _sha256("\x1f".join(parts).encode())


class _CourseWriter:
    """Writes one parsed course over its database rows."""

    def __init__(self, session: Session, source: parsed.CourseSource, progress: ProgressCallback):
        self.session = session
        self.source = source
        self.progress = progress
        # The folder may have changed since it was checked: pass the gate again, and read each
        # asset without following a link that may have appeared since.
        if problems := unsafe_entries(source.path):
            raise UnsafeCourseError(problems)
        self.files = _asset_files(source)
        self.asset_data = {name: read_plain_file(path) for name, path in self.files.items()}
        self.asset_hashes = {name: _sha256(data) for name, data in self.asset_data.items()}
        self.assets_key = _combined_hash(
            RENDER_VERSION, *(f"{n}={h}" for n, h in self.asset_hashes.items())
        )
        self.sync_hash = _combined_hash(source.content_hash, self.assets_key)
        self.urls = _Urls(source, self.asset_hashes)
        self.result = CourseSync(slug=source.id, outcome="unchanged")

    def write(self) -> CourseSync:
        course = course_by_slug(self.session, self.source.id)
        if course is not None and course.sync_hash == self.sync_hash:
            self.result.lessons.unchanged = course.lesson_count
            self.result.questions.unchanged = sum(1 for _ in self.source.questions())
            for _ in self.source.lessons():
                self.progress(self.source.id)
            return self.result
        self.result.outcome = "added" if course is None else "updated"
        course = course or Course(slug=self.source.id, version=0)
        self._write_course_fields(course)
        modules = self._write_modules(course)
        lessons = self._write_lessons(course, modules)
        self._write_questions(course, lessons)
        self._write_assets(course)
        course.lesson_count = sum(1 for _ in self.source.lessons())
        course.module_count = len(self.source.modules)
        course.version += 1
        course.sync_hash = self.sync_hash
        course.synced_at = utcnow()
        self.session.flush()
        return self.result

    def _write_course_fields(self, course: Course) -> None:
        src = self.source
        course.title = src.title
        course.summary = src.summary
        course.language = src.language
        course.credit_hours = src.credit_hours
        course.status = src.status
        course.tags = list(src.tags)
        course.overview_html = render_markdown(
            src.overview, resolve_url=self.urls.resolver(src.source)
        ).html
        self.session.add(course)
        self.session.flush()

    def _write_modules(self, course: Course) -> dict[str, Module]:
        existing = {
            m.slug: m
            for m in self.session.scalars(select(Module).where(Module.course_id == course.id))
        }
        kept: dict[str, Module] = {}
        for position, src in enumerate(self.source.modules, start=1):
            module = existing.pop(src.id, None) or Module(course_id=course.id, slug=src.id)
            module.title = src.title
            source_file = src.source or src.path / "module.md"
            module.intro_html = (
                render_markdown(src.intro, resolve_url=self.urls.resolver(source_file)).html
                if src.intro
                else ""
            )
            module.position = position
            module.archived = False
            self.session.add(module)
            kept[src.id] = module
        for module in existing.values():
            module.archived = True
        self.session.flush()
        return kept

    def _write_lessons(self, course: Course, modules: dict[str, Module]) -> dict[str, Lesson]:
        existing = {
            lesson.slug: lesson
            for lesson in self.session.scalars(select(Lesson).where(Lesson.course_id == course.id))
        }
        kept: dict[str, Lesson] = {}
        position = 0
        for module_src in self.source.modules:
            for src in module_src.lessons:
                position += 1
                self.progress(self.source.id)
                lesson = existing.pop(src.id, None)
                stored_hash = _combined_hash(src.content_hash, self.assets_key)
                if lesson is None:
                    lesson = Lesson(course_id=course.id, slug=src.id)
                    self.result.lessons.added += 1
                elif lesson.content_hash == stored_hash and not lesson.archived:
                    self.result.lessons.unchanged += 1
                else:
                    self.result.lessons.updated += 1
                # Moving and reordering change only these, whatever the content hash says.
                lesson.module_id = modules[module_src.id].id
                lesson.position = position
                lesson.archived = False
                if lesson.content_hash != stored_hash:
                    self._render_lesson(lesson, src)
                    lesson.content_hash = stored_hash
                self.session.add(lesson)
                kept[src.id] = lesson
        for lesson in existing.values():
            if not lesson.archived:
                lesson.archived = True
                self.result.lessons.archived += 1
        self.session.flush()
        _link_neighbours(list(kept.values()), existing.values())
        return kept

    def _render_lesson(self, lesson: Lesson, src: parsed.LessonSource) -> None:
        settings = src.settings
        body = src.markdown(lambda ref: quiz_placeholder(ref.question_id))
        lesson.title = src.title
        lesson.minutes = src.minutes
        lesson.body_html = render_markdown(body, resolve_url=self.urls.resolver(src.path)).html
        lesson.pass_percent = settings.pass_percent
        lesson.max_attempts = settings.max_attempts
        lesson.time_limit_minutes = settings.time_limit_minutes
        lesson.shuffle = settings.shuffle
        lesson.show_answers = settings.show_answers
        lesson.draw = [{"pool": d.pool, "count": d.count} for d in settings.draw]
        lesson.has_quiz = bool(src.questions or settings.draw)
        lesson.requires = parsed.required_lessons(src, self.source)

    def _write_questions(self, course: Course, lessons: dict[str, Lesson]) -> None:
        existing = {
            q.slug: q
            for q in self.session.scalars(select(Question).where(Question.course_id == course.id))
        }
        placed: list[tuple[parsed.QuestionSource, Lesson | None]] = [
            (q, lessons[lesson.id]) for lesson in self.source.lessons() for q in lesson.questions
        ]
        placed += [(q, None) for pool in self.source.pools for q in pool.questions]
        for position, (src, lesson) in enumerate(placed, start=1):
            question = existing.pop(src.id, None)
            stored_hash = _combined_hash(src.content_hash, self.assets_key)
            if question is None:
                question = Question(course_id=course.id, slug=src.id, version=0)
                self.result.questions.added += 1
            elif question.content_hash == stored_hash and not question.archived:
                self.result.questions.unchanged += 1
            else:
                self.result.questions.updated += 1
            question.lesson_id = lesson.id if lesson else None
            question.pool = None if lesson else src.pool
            question.type = src.type
            question.position = position
            question.archived = False
            if question.content_hash != stored_hash:
                question.version += 1
                question.content_hash = stored_hash
                self.session.add(question)
                self.session.flush()
                self.session.add(
                    QuestionVersion(
                        question_id=question.id,
                        version=question.version,
                        content_hash=stored_hash,
                        points=src.points,
                        data=_question_data(src, self.urls),
                    )
                )
            self.session.add(question)
        for question in existing.values():
            if not question.archived:
                question.archived = True
                self.result.questions.archived += 1
        self.session.flush()

    def _write_assets(self, course: Course) -> None:
        existing = {
            a.path: a
            for a in self.session.scalars(
                select(CourseAsset).where(CourseAsset.course_id == course.id)
            )
        }
        for name, data in self.asset_data.items():
            asset = existing.pop(name, None) or CourseAsset(course_id=course.id, path=name)
            digest = self.asset_hashes[name]
            if asset.sha256 != digest:
                asset.sha256 = digest
                asset.size = len(data)
                asset.data = data
                asset.content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
                self.session.add(asset)
        for asset in existing.values():
            # Nothing links to a removed asset any more (the checker saw to that).
            self.session.delete(asset)


def _link_neighbours(visible: list[Lesson], archived: Iterable[Lesson]) -> None:
    """Store each visible lesson's previous and next lesson (course order, `visible` is in it)
    for the lesson page's pager; an archived lesson links to nothing. Needs flushed ids."""
    for index, lesson in enumerate(visible):
        lesson.previous_lesson_id = visible[index - 1].id if index > 0 else None
        lesson.next_lesson_id = visible[index + 1].id if index + 1 < len(visible) else None
    for lesson in archived:
        lesson.previous_lesson_id = lesson.next_lesson_id = None


def sync_course(
    session: Session, course: parsed.CourseSource, progress: ProgressCallback | None = None
) -> CourseSync:
    """Import one checked course (without errors) into the session; flushes, never commits.

    The caller commits once per course, so each course is imported in one transaction.
    """
    return _CourseWriter(session, course, progress or (lambda _slug: None)).write()


def sync_and_refresh(
    session: Session, course: parsed.CourseSource, progress: ProgressCallback | None = None
) -> CourseSync:
    """Import one checked course and recount its learners' rollups if anything changed
    (lessons added or archived change every unfinished enrollment's percent). Never commits."""
    result = sync_course(session, course, progress)
    if result.outcome != "unchanged":
        refresh_course_rollups(session, course_by_slug(session, result.slug))
    return result
