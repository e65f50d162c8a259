"""Rules that span files: unique ids, pools and draws, and relative links to files on disk."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import unquote

from app.content.frontmatter import Problems
from app.content.limits import check_course_sizes
from app.content.model import CourseSource, Link, Problem, display_path, required_lessons
from app.content.quality import check_question_quality
from app.content.quiz_blocks import FenceTracker

INLINE_CODE_RE = re.compile(r"(`+).*?\1")
MD_LINK_RE = re.compile(r"(!?)\[[^\]\n]*\]\(\s*(<[^>\n]*>|[^()\s]+(?:\([^()\s]*\)[^()\s]*)*)")
REF_DEF_RE = re.compile(r"^ {0,3}\[([^\]^][^\]]*)\]:\s*(<[^>\n]*>|\S+)")
HTML_ATTR_RE = re.compile(
    r"""<[^>]*?\b(src|href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.IGNORECASE
)
SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def find_links(lines: Sequence[str], first_line: int) -> list[Link]:
    """Links and images written in Markdown lines, skipping fenced and inline code."""
    links: list[Link] = []
    fence = FenceTracker()
    for index, line in enumerate(lines):
        number = first_line + index
        if fence.feed(line, number):
            continue
        text = INLINE_CODE_RE.sub("", line)
        for match in MD_LINK_RE.finditer(text):
            links.append(Link(match.group(2), number, image=match.group(1) == "!"))
        if match := REF_DEF_RE.match(text):
            links.append(Link(match.group(2), number))
        for match in HTML_ATTR_RE.finditer(text):
            target = next(g for g in match.groups()[1:] if g is not None)
            links.append(Link(target, number, image=match.group(1).lower() == "src"))
    return links


def check_link(source: Path, link: Link, root: Path, problems: Problems) -> None:
    """Report a relative link of `source` that leaves the course folder `root` or finds no file."""
    target = link.target.strip()
    if target.startswith("<") and target.endswith(">"):
        target = target[1:-1].strip()
    if not target or target.startswith(("#", "//")) or SCHEME_RE.match(target):
        return
    if target.startswith("/"):
        # Site paths such as /courses/other are fine as links, but an image there is a mistake.
        if link.image:
            problems.warning(
                source,
                link.line,
                f'image "{target}" uses an absolute path, which does not reach the course\'s files;'
                " use a relative path such as ../assets/NAME",
            )
        return
    relative = unquote(target.split("#", 1)[0].split("?", 1)[0])
    if not relative:
        return
    kind = "image" if link.image else "link"
    try:
        base = root.resolve()
        resolved = Path(os.path.normpath(source.parent.resolve() / relative))
        inside = resolved.is_relative_to(base)
        exists = inside and resolved.is_file()
    except (OSError, ValueError):
        inside, exists = True, False
    if not inside:
        problems.error(
            source,
            link.line,
            f'{kind} "{target}" points outside the course folder; copy the file into the'
            " course's assets/ folder and link to it relatively",
        )
    elif not exists:
        problems.error(
            source,
            link.line,
            f'{kind} "{target}" points to a file that does not exist; check the name (links are'
            " relative to this file's folder: a lesson reaches assets with ../assets/NAME)",
        )


def validate_catalogue(courses: Sequence[CourseSource]) -> list[Problem]:
    """Check every course, and that no two courses share an id."""
    problems = Problems()
    first_seen: dict[str, CourseSource] = {}
    for course in courses:
        if not course.id:
            continue
        if course.id in first_seen:
            other = first_seen[course.id]
            problems.error(
                course.source,
                course.id_line,
                f'course id "{course.id}" is already used by {display_path(other.source)};'
                " give this course another id",
            )
        else:
            first_seen[course.id] = course
    for course in courses:
        problems.extend(validate_course(course))
    return problems


def validate_course(course: CourseSource) -> list[Problem]:
    """Check the rules of one course that need more than one of its files."""
    problems = Problems()
    if not any(True for _ in course.lessons()):
        problems.error(
            course.source,
            1,
            "the course has no lessons; add a module folder (e.g. 01-introduction/) with at"
            " least one lesson file (e.g. 01-welcome.md)",
        )
    _unique(
        "module",
        ((m.id, m.source or m.path, m.id_line) for m in course.modules),
        problems,
    )
    _unique(
        "lesson",
        ((lesson.id, lesson.path, lesson.id_line) for lesson in course.lessons()),
        problems,
    )
    _unique("question", ((q.id, q.path, q.line) for q in course.questions()), problems)
    _check_draws(course, problems)
    _check_requirements(course, problems)
    _check_course_links(course, problems)
    check_course_sizes(course, problems)
    check_question_quality(course, problems)
    return problems


def _unique(kind: str, items: Iterable[tuple[str, Path, int]], problems: Problems) -> None:
    seen: dict[str, tuple[Path, int]] = {}
    for item_id, path, line in items:
        if not item_id:
            continue
        if item_id in seen:
            other_path, other_line = seen[item_id]
            where = f"line {other_line}"
            if other_path != path:
                where = f"{display_path(other_path)}:{other_line}"
            problems.error(
                path,
                line,
                f'{kind} id "{item_id}" is already used at {where};'
                f" {kind} ids must be unique within a course, so rename one of them",
            )
        else:
            seen[item_id] = (path, line)


def _check_requirements(course: CourseSource, problems: Problems) -> None:
    """Every required lesson exists, and no lessons require each other in a circle."""
    ids = {lesson.id for lesson in course.lessons()}
    graph: dict[str, list[str]] = {}
    for lesson in course.lessons():
        if not (lesson.requires or lesson.requires_all):
            continue
        for wanted in lesson.requires:
            if wanted == lesson.id:
                problems.error(lesson.path, lesson.requires_line, "a lesson cannot require itself")
            elif wanted not in ids:
                problems.error(
                    lesson.path,
                    lesson.requires_line,
                    f'`requires` names "{wanted}", but the course has no lesson with that id',
                )
        wanted_ids = required_lessons(lesson, course)
        graph[lesson.id] = [w for w in wanted_ids if w in ids and w != lesson.id]
    by_id = {lesson.id: lesson for lesson in course.lessons()}
    for cycle in _cycles(graph):
        shown = " → ".join([*cycle, cycle[0]])
        for member in cycle:
            lesson = by_id[member]
            problems.error(
                lesson.path,
                lesson.requires_line,
                f"lessons require each other in a circle ({shown}), so no learner could open"
                " their quizzes; remove one of the requirements",
            )


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """The distinct cycles found by a depth-first walk (each once, starting at its first lesson)."""
    found: list[list[str]] = []
    seen_members: set[str] = set()
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        path.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == "open":
                cycle = path[path.index(nxt) :]
                if not seen_members.intersection(cycle):
                    found.append(cycle)
                    seen_members.update(cycle)
            elif nxt not in state:
                visit(nxt, path)
        path.pop()
        state[node] = "done"

    for node in graph:
        if node not in state:
            visit(node, [])
    return found


def _check_draws(course: CourseSource, problems: Problems) -> None:
    pools = {pool.name: pool for pool in course.pools}
    used: set[str] = set()
    for lesson in course.lessons():
        wanted: Counter[str] = Counter()
        for draw in lesson.settings.draw:
            used.add(draw.pool)
            if draw.pool not in pools:
                known = ", ".join(sorted(pools)) or "none yet"
                problems.error(
                    lesson.path,
                    draw.line,
                    f'draw uses pool "{draw.pool}", but there is no pools/{draw.pool}.md'
                    f" (pools in this course: {known})",
                )
                continue
            wanted[draw.pool] += draw.count
            size = len(pools[draw.pool].questions)
            if wanted[draw.pool] > size:
                problems.error(
                    lesson.path,
                    draw.line,
                    f'draw asks for {wanted[draw.pool]} questions from pool "{draw.pool}",'
                    f" which has only {size}; lower the count or add questions to the pool",
                )
    for pool in course.pools:
        if pool.name not in used:
            problems.warning(
                pool.path,
                1,
                f'pool "{pool.name}" is not drawn by any lesson; add `draw: [{{pool: {pool.name},'
                " count: N}]` to a lesson or remove the pool",
            )


def _check_course_links(course: CourseSource, problems: Problems) -> None:
    sources: list[tuple[Path, Iterable[Link]]] = [(course.source, course.links)]
    for module in course.modules:
        if module.source is not None:
            sources.append((module.source, module.links))
        sources.extend((lesson.path, lesson.links) for lesson in module.lessons)
    sources.extend((pool.path, pool.links) for pool in course.pools)
    for source, links in sources:
        for link in links:
            check_link(source, link, course.path, problems)
