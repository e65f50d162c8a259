"""Read course folders into their parsed form (`CourseSource`...), collecting Problems instead
of raising."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from app.content.frontmatter import (
    ID_RE,
    Fields,
    Problems,
    YamlMapping,
    id_problem,
    read_lines,
    split_front_matter,
    split_lines,
)
from app.content.intake import LINK_MESSAGE, unsafe_entries
from app.content.layout import SPECIAL_FOLDERS, entries, hidden, report_misplaced
from app.content.lesson_settings import QUIZ_KEYS, lesson_requirements, quiz_settings
from app.content.limits import check_lines, too_large
from app.content.model import (
    CourseSource,
    LessonSource,
    Link,
    ModuleSource,
    PoolSource,
    Problem,
    QuestionSegment,
    QuestionSource,
    Segment,
    TextSegment,
    hash_course,
    hash_lesson,
)
from app.content.quiz_blocks import FenceTracker, RawBlock, parse_block
from app.content.reading_time import reading_time
from app.content.validate import find_links

OPEN_RE = re.compile(r"^:::\s*quiz\s*$")
CLOSE_RE = re.compile(r"^:::\s*$")
PREFIX_RE = re.compile(r"^\d+[-_. ]*")
COURSE_KEYS = ("id", "title", "summary", "language", "credit_hours", "status", "tags")
LESSON_KEYS = ("title", "id", "minutes", "requires", *QUIZ_KEYS)


def scan_body(
    lines: Sequence[str], first_line: int, path: Path, problems: Problems
) -> list[TextSegment | RawBlock]:
    """Split body lines (the first at file line `first_line`) into text runs and closed quiz blocks.

    Quiz markers inside fenced code are text. An unclosed block is reported at its opening line
    and left out.
    """
    # Sizes first: nothing too deep or too long may reach the renderer (app.content.limits).
    check_lines(lines, first_line, path, problems)
    items: list[TextSegment | RawBlock] = []
    text: list[str] = []
    text_line = first_line
    block: RawBlock | None = None
    fence = FenceTracker()
    block_fence = FenceTracker()

    def flush_text() -> None:
        segment = _text_segment(text, text_line)
        if segment is not None:
            items.append(segment)
        text.clear()

    for index, line in enumerate(lines):
        number = first_line + index
        if block is not None:
            code = block_fence.feed(line, number)
            if not code and CLOSE_RE.match(line):
                items.append(block)
                block = None
                text_line = number + 1
            elif not code and OPEN_RE.match(line):
                _report_unclosed(
                    block, path, problems, f" before the next `::: quiz` at line {number}"
                )
                block, block_fence = RawBlock(number), FenceTracker()
            else:
                block.lines.append(line)
            continue
        code = fence.feed(line, number)
        if not code and OPEN_RE.match(line):
            flush_text()
            block, block_fence = RawBlock(number), FenceTracker()
            continue
        if not code and CLOSE_RE.match(line):
            problems.warning(path, number, "`:::` closes no `::: quiz` block; remove this line")
        elif not code and line.startswith(":::"):
            problems.warning(
                path, number, "a line starting `:::` here is not `::: quiz`; only quiz blocks exist"
            )
        if not text:
            text_line = number
        text.append(line)
    if block is not None:
        _report_unclosed(block, path, problems, "")
    if fence.marker:
        problems.warning(
            path,
            fence.line,
            f"fenced code opened here with {fence.marker} is never closed, so the rest of the file"
            f" is shown as code; add a closing {fence.marker} line",
        )
    flush_text()
    return items


def _report_unclosed(block: RawBlock, path: Path, problems: Problems, where: str) -> None:
    problems.error(
        path, block.line, f"`::: quiz` block opened here is never closed{where}; add a line `:::`"
    )


def _text_segment(lines: list[str], line: int) -> TextSegment | None:
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    end = len(lines)
    while end > start and not lines[end - 1].strip():
        end -= 1
    if start == end:
        return None
    return TextSegment("\n".join(lines[start:end]), line + start)


def parse_catalogue(folder: Path) -> tuple[list[CourseSource], list[Problem]]:
    """Parse every course folder (a folder with a course.md) directly inside `folder`."""
    problems = Problems()
    courses: list[CourseSource] = []
    try:
        children = sorted(p for p in folder.iterdir() if p.is_dir() and not hidden(p))
    except OSError as exc:
        problems.error(folder, 1, f"cannot read the folder ({exc.strerror or exc})")
        return courses, problems
    for child in children:
        if child.is_symlink():
            problems.error(child, 1, LINK_MESSAGE)
            continue
        if not (child / "course.md").is_file():
            problems.warning(
                child, 1, "this folder has no course.md, so it is not a course; add one"
            )
            continue
        course, found = parse_course(child)
        problems.extend(found)
        if course is not None:
            courses.append(course)
    if not children:
        problems.warning(folder, 1, "no course folders here; a course is a folder with a course.md")
    return courses, problems


def parse_course(folder: Path) -> tuple[CourseSource | None, list[Problem]]:
    """Parse one course folder; None when its course.md cannot be read at all."""
    problems = Problems()
    problems.extend(unsafe_entries(folder))
    source = folder / "course.md"
    lines = _read(source, problems)
    if lines is None:
        return None, problems
    front = split_front_matter(
        lines, source, problems, "the course keys (id, title, summary, language, credit_hours...)"
    )
    fields = Fields(front.mapping or YamlMapping(), source, problems, "course.md", 1)
    values = {
        "id": fields.identifier("id", "id: my-course"),
        "title": fields.text("title", "title: The course title"),
        "summary": fields.text("summary", "summary: One or two sentences for the catalogue."),
        "language": fields.choice("language", ("en", "zh")),
        "credit_hours": fields.number("credit_hours", "credit_hours: 2"),
        "status": fields.choice("status", ("draft", "published")),
        "tags": tuple(fields.string_list("tags") or ()),
    }
    if front.mapping is not None:
        fields.warn_unknown(COURSE_KEYS)
    overview, links = _plain_body(lines, front.body_index, source, problems)
    modules = tuple(
        _parse_module(child, problems)
        for child in entries(folder, problems)
        if child.is_dir() and child.name not in SPECIAL_FOLDERS and not hidden(child)
    )
    pools = tuple(_parse_pool(p, problems) for p in entries(folder / "pools", problems))
    report_misplaced(folder, modules, problems)
    course = CourseSource(
        id=values["id"] or "",
        title=values["title"] or "",
        summary=values["summary"] or "",
        language=values["language"] or "en",
        credit_hours=values["credit_hours"] or 0.0,
        status=values["status"] or "draft",
        tags=values["tags"],
        overview=overview,
        path=folder,
        modules=modules,
        pools=tuple(p for p in pools if p is not None),
        links=links,
        id_line=fields.line("id"),
    )
    return hash_course(course), problems


def parse_lesson_text(text: str, path: Path) -> tuple[LessonSource, list[Problem]]:
    """Parse the text of a lesson file as if read from `path` (no file system access)."""
    problems = Problems()
    return _parse_lesson_lines(split_lines(text), path, problems), problems


def parse_pool_text(text: str, path: Path) -> tuple[PoolSource, list[Problem]]:
    """Parse the text of a pool file as if read from `path` (no file system access)."""
    problems = Problems()
    return _parse_pool_lines(split_lines(text), path, problems), problems


def _strip_prefix(name: str) -> str:
    return PREFIX_RE.sub("", name) or name


def _plain_body(
    lines: Sequence[str], start: int, path: Path, problems: Problems
) -> tuple[str, tuple[Link, ...]]:
    """The Markdown body of course.md or module.md, which may not hold quiz blocks."""
    items = scan_body(lines[start:], start + 1, path, problems)
    for item in items:
        if isinstance(item, RawBlock):
            problems.error(
                path, item.line, "quiz blocks belong in lessons or pools; move this one to a lesson"
            )
    text = "\n\n".join(item.text for item in items if isinstance(item, TextSegment))
    return text, tuple(find_links(lines[start:], start + 1))


def _parse_module(folder: Path, problems: Problems) -> ModuleSource:
    source = folder / "module.md"
    lessons = tuple(
        _parse_lesson(path, problems)
        for path in entries(folder, problems)
        if path.suffix == ".md" and path.name != "module.md" and path.is_file()
    )
    if not source.is_file():
        module_id = _strip_prefix(folder.name)
        if not ID_RE.match(module_id):
            problems.error(
                folder,
                1,
                id_problem(module_id, "the module id from this folder's name")
                + "; rename the folder or add a module.md with an id",
            )
        title = module_id.replace("-", " ").replace("_", " ").strip().capitalize()
        module = ModuleSource(module_id, title, "", folder, None, lessons)
    else:
        read = _read(source, problems)
        lines, found = (read, problems) if read is not None else ([], Problems())
        front = split_front_matter(lines, source, found, "`id: ...` and `title: ...`")
        fields = Fields(front.mapping or YamlMapping(), source, found, "module.md", 1)
        module_id = fields.identifier("id", "id: my-module") or ""
        title = fields.text("title", "title: The module title") or ""
        if front.mapping is not None:
            fields.warn_unknown(("id", "title"))
        intro, links = _plain_body(lines, front.body_index, source, found)
        module = ModuleSource(
            module_id, title, intro, folder, source, lessons, links, fields.line("id")
        )
    if not lessons:
        problems.warning(
            source if source.is_file() else folder,
            1,
            "this module has no lessons; add a lesson file such as 01-welcome.md",
        )
    return module


def _read(path: Path, problems: Problems) -> list[str] | None:
    """A Markdown file's lines; None (the problem reported) if too large or unreadable."""
    return None if too_large(path, problems) else read_lines(path, problems)


def _parse_lesson(path: Path, problems: Problems) -> LessonSource:
    lines = _read(path, problems)
    # An unreadable file is reported once; parsing its empty stand-in must not add more.
    return _parse_lesson_lines(lines or [], path, problems if lines is not None else Problems())


def _parse_lesson_lines(lines: Sequence[str], path: Path, problems: Problems) -> LessonSource:
    front = split_front_matter(
        lines, path, problems, "the lesson keys (`title: ...`, and optionally `minutes: ...`)"
    )
    mapping = front.mapping or YamlMapping()
    fields = Fields(mapping, path, problems, "lesson front matter", 1)
    default_id = _strip_prefix(path.stem)
    lesson_id = fields.identifier("id", "id: my-lesson", required=False)
    if "id" not in mapping.data and not ID_RE.match(default_id):
        problems.error(
            path,
            1,
            id_problem(default_id, "the lesson id from the file name")
            + "; rename the file or add an `id:` line to the front matter",
        )
    title = fields.text("title", "title: The lesson title") if front.mapping is not None else None
    # Optional: a lesson without `minutes` gets an estimate from its text, below.
    minutes = fields.number("minutes", "", required=False, whole=True)
    settings = quiz_settings(fields)
    requires, requires_all = lesson_requirements(fields)
    if front.mapping is not None:
        fields.warn_unknown(LESSON_KEYS)
    body: list[Segment] = []
    questions: list[QuestionSource] = []
    for item in scan_body(lines[front.body_index :], front.body_index + 1, path, problems):
        if isinstance(item, TextSegment):
            body.append(item)
            continue
        question = parse_block(item, path, problems)
        if question is not None:
            questions.append(question)
            body.append(QuestionSegment(question.id, item.line))
    given = [key for key in QUIZ_KEYS if key in mapping.lines]
    if given and not questions and not settings.draw:
        problems.warning(
            path,
            mapping.lines[given[0]],
            "quiz settings have no effect: this lesson has no questions and no `draw`",
        )
    estimated = front.mapping is not None and mapping.data.get("minutes") is None
    if estimated:
        estimate = reading_time(body, questions, settings.draw)
        minutes = estimate.minutes
        problems.info(path, 1, f"no minutes given; {estimate.explained()}")
    lesson = LessonSource(
        id=lesson_id or default_id,
        title=title or "",
        minutes=int(minutes or 0),
        minutes_estimated=estimated,
        settings=settings,
        body=tuple(body),
        questions=tuple(questions),
        path=path,
        links=tuple(find_links(lines[front.body_index :], front.body_index + 1)),
        id_line=fields.line("id"),
        requires=requires,
        requires_all=requires_all,
        requires_line=fields.line("requires") if "requires" in mapping.lines else 0,
    )
    return hash_lesson(lesson)


def _parse_pool(path: Path, problems: Problems) -> PoolSource | None:
    if path.suffix != ".md" or not path.is_file():
        return None
    lines = _read(path, problems)
    return _parse_pool_lines(lines or [], path, problems if lines is not None else Problems())


def _parse_pool_lines(lines: Sequence[str], path: Path, problems: Problems) -> PoolSource:
    name = path.stem
    if not ID_RE.match(name):
        problems.error(path, 1, id_problem(name, "pool name") + "; rename the file")
    questions: list[QuestionSource] = []
    for item in scan_body(lines, 1, path, problems):
        if isinstance(item, TextSegment):
            problems.warning(
                path,
                item.line,
                "a pool holds only quiz blocks; this text is never shown, so remove it",
            )
            continue
        question = parse_block(item, path, problems, pool=name)
        if question is not None:
            questions.append(question)
    return PoolSource(name, path, tuple(questions), tuple(find_links(lines, 1)))
