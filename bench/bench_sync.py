"""Content sync: the first import of 500 generated lessons, and a re-sync with nothing changed.

The course tree is generated in a temporary folder: 5 courses x 10 modules x 10 lessons, each
lesson about 5 KB of Markdown with a heading, paragraphs, a list, a table, a code block and two
quiz blocks of different types, written to docs/course-format.md. The checker must report no
problem before anything is timed. The timed code path is the one `flask courses sync` runs:
`check_paths`, then `sync_course` (and the rollup refresh) and a commit per course.

Goal (from the issue): a re-sync with nothing changed takes at most 1/10 of the first sync.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from itertools import cycle
from pathlib import Path

from bench.common import (
    Options,
    Result,
    bench_app,
    database_targets,
    dispose,
    log,
    sync_paths,
    temporary_database,
)

NAME = "sync"
GOAL = "<= 0.1"


@dataclass(frozen=True)
class TreeSize:
    """How many courses, modules per course and lessons per module to generate."""

    courses: int
    modules: int
    lessons: int

    @property
    def total_lessons(self) -> int:
        """Lessons in the whole tree."""
        return self.courses * self.modules * self.lessons


FULL_SIZE = TreeSize(courses=5, modules=10, lessons=10)
QUICK_SIZE = TreeSize(courses=2, modules=2, lessons=5)

TOPICS = (
    ("data-sharing", "Sharing data between bureaus"),
    ("service-design", "Designing a service around the citizen"),
    ("security-basics", "Everyday security habits"),
    ("open-data", "Publishing open data responsibly"),
    ("digital-divide", "Nobody left behind"),
    ("platform-thinking", "Shared platforms instead of chimneys"),
    ("project-reviews", "Reviewing a digital project"),
    ("metrics", "Measuring what matters"),
    ("incident-response", "When something goes wrong"),
    ("procurement", "Buying software well"),
)

PARAGRAPHS = (
    "County offices often run a dozen systems that were bought one at a time, each for a single"
    " task. Every system keeps its own copy of the citizen's name, address and ID number, and no"
    " two copies agree for long. Staff re-type the same data at every window, and citizens bring"
    " the same certificate to three counters in one morning.",
    "A shared platform changes who does the work. The department that collects a record once"
    " publishes it through an agreed interface, and every other department reads it from there."
    " The citizen no longer carries paper between offices: the data travels instead, and the log"
    " shows who read what, and why.",
    "None of this works without rules everybody can follow. A data catalogue says which records"
    " exist, who is responsible for them, how fresh they are and who may use them. Without it,"
    " sharing depends on personal favours between section chiefs, which is neither fair nor safe.",
    "Security is part of the design, not a layer added at the end. Each request for data names"
    " the purpose; each account belongs to one person; each export is recorded. When an incident"
    " happens, the first question is always the same: which data left, to whom, and when.",
    "Older colleagues and citizens in remote villages are not an afterthought. A service that only"
    " works on a new phone with a fast connection has simply moved the queue from the counter to"
    " the family members who have to help. Plain language, large buttons and an assisted channel"
    " at the service centre keep everyone inside.",
    "Leaders do not need to write code, but they do need to ask the right questions: what problem"
    " does this system solve, who will use it every day, how will we know it works, and what"
    " happens to the data when the contract ends? A project that cannot answer these is not"
    " ready for a budget.",
    "Measure the service from the citizen's side of the counter. How many visits did it take to"
    " finish? How many documents had to be brought in person? How long did the whole matter take,"
    " from the first question to the final answer? Figures like these tell a leadership meeting"
    " more than the number of systems launched or servers bought.",
    "Procurement decides much of what follows. A contract that leaves the data format, the"
    " interfaces and the exit plan to the vendor turns the next upgrade into a negotiation from"
    " weakness. Ask for open formats, documented interfaces and a copy of the data on request,"
    " and check them before the final payment, not after.",
)

STEPS = """When a colleague asks you for a copy of a data set:

1. Find the catalogue entry and read who owns the data and what it may be used for.
2. Ask the colleague to state the purpose in writing, in one or two sentences.
3. Share only the fields the purpose needs; leave out ID numbers unless they are essential.
4. Use the shared platform or an approved transfer tool, never a personal chat account.
5. Note in the register what was shared, with whom, and when the copy must be deleted."""

NOTE = """!!! note "Your unit's rules come first"
    Where your unit has stricter rules for sharing data, follow them. The steps above are the
    minimum every civil servant should expect, whatever system the data lives in."""

CODE_BLOCK = """```python
def completion_rate(completed: int, enrolled: int) -> float:
    \"\"\"Share of enrolled learners who completed the course, 0-100.\"\"\"
    if enrolled == 0:
        return 0.0
    return round(100 * completed / enrolled, 1)


print(completion_rate({done}, {total}))
```"""

TABLE = """| Step | Who | What they check |
|---|---|---|
| Request | Requesting department | The purpose and the legal basis |
| Review | Data owner | That only the needed fields are shared |
| Approve | Data office | The catalogue entry and the retention period |
| Monitor | Security team | Unusual volumes, times or accounts |
| Report {n} | Unit leadership | Quarterly figures and incidents |"""

LIST = """Before you share a record, ask:

- Is there a catalogue entry for it, with a named owner?
- Does the receiving system need every field, or only some?
- How long will the copy be kept, and who deletes it?
- Will the citizen be able to see who looked at their data?
- Is there a simpler way, such as a yes/no answer instead of the whole record?"""


def _question(kind: str, qid: str, n: int) -> str:
    """A quiz block of type `kind` that the checker accepts."""
    extra = "scoring: partial\n" if kind == "multiple" else ""
    header = f"::: quiz\nid: {qid}\ntype: {kind}\n{extra}\n"
    bodies = {
        "single": (
            f"In case study {n}, which arrangement is a **data chimney**?\n\n"
            "- [x] A system whose records only its own department can read\n"
            "- [ ] A shared platform that several bureaus read from\n"
            "  > A shared platform is the opposite: data flows between departments.\n"
            "- [ ] A published open data set\n\n"
            "Explanation: A chimney keeps data inside one department, so every other office"
            " has to collect it again."
        ),
        "multiple": (
            f"Which of these belong in a catalogue entry (case {n})? Choose all that apply.\n\n"
            "- [x] The record's owner\n"
            "- [x] How often it is updated\n"
            "- [ ] The database password\n"
            "  > Credentials never go into a catalogue.\n"
            "- [x] Who may use it, and for what\n\n"
            "Explanation: A catalogue describes the data and its rules, never how to get in."
        ),
        "truefalse": (
            f"True or false: sharing case {n} is safe as long as the receiving department asks"
            " politely.\n\n= false\n\n"
            "Explanation: Sharing needs a purpose, a legal basis and a record of who read what."
        ),
        "short": (
            "What is the list of a unit's data sets, their owners and their rules called?\n\n"
            "= data catalogue\n= catalogue\n= 数据目录\n\n"
            "Explanation: The data catalogue is where sharing starts."
        ),
        "numeric": (
            "How many seconds are there in one day? (Digits only.)\n\n= 86400\n\n"
            "Explanation: 24 x 60 x 60 = 86,400."
        ),
    }
    return f"{header}{bodies[kind]}\n:::"


QUESTION_PAIRS = (
    ("single", "truefalse"),
    ("multiple", "short"),
    ("numeric", "single"),
    ("truefalse", "multiple"),
    ("short", "numeric"),
)


def lesson_markdown(course: int, module: int, lesson: int, pair: tuple[str, str]) -> str:
    """One lesson of about 5 KB; the numbers make every lesson's text (and hash) different."""
    n = course * 10_000 + module * 100 + lesson
    topic = TOPICS[(module + lesson) % len(TOPICS)][1]
    paragraphs = [PARAGRAPHS[(lesson + i) % len(PARAGRAPHS)] for i in range(len(PARAGRAPHS))]
    q1, q2 = (_question(kind, f"q{module:02d}{lesson:02d}-{i}", n) for i, kind in enumerate(pair))
    return "\n\n".join(
        [
            f"---\ntitle: {topic} ({n})\nminutes: {10 + lesson}\npass_percent: 70\n---",
            f"## {topic}: case {n}",
            paragraphs[0],
            paragraphs[1],
            LIST,
            "### Who does what",
            TABLE.format(n=n),
            paragraphs[2],
            q1,
            "### A worked example",
            paragraphs[3],
            CODE_BLOCK.format(done=n % 97, total=100),
            paragraphs[4],
            "### Step by step",
            STEPS,
            NOTE,
            paragraphs[5],
            paragraphs[6],
            paragraphs[7],
            q2,
            f"In short: lesson {n} is about *{topic.lower()}*; the next lesson builds on it.",
        ]
    )


def generate_tree(root: Path, size: TreeSize) -> list[Path]:
    """Write `size` worth of courses under `root`; returns the course folders."""
    pairs = cycle(QUESTION_PAIRS)
    folders = []
    for c in range(1, size.courses + 1):
        folder = root / f"bench-course-{c}"
        folder.mkdir(parents=True)
        (folder / "course.md").write_text(
            f"---\nid: bench-course-{c}\ntitle: Generated course {c}\n"
            "summary: A generated course for the sync benchmark.\nlanguage: en\n"
            "credit_hours: 4\nstatus: published\ntags: [benchmark, data]\n---\n\n"
            f"{PARAGRAPHS[c % len(PARAGRAPHS)]}\n",
            encoding="utf-8",
        )
        for m in range(1, size.modules + 1):
            slug, title = TOPICS[(m - 1) % len(TOPICS)]
            module = folder / f"{m:02d}-{slug}"
            module.mkdir()
            (module / "module.md").write_text(
                f"---\nid: module-{m}\ntitle: {title}\n---\n\n{PARAGRAPHS[m % len(PARAGRAPHS)]}\n",
                encoding="utf-8",
            )
            for n in range(1, size.lessons + 1):
                text = lesson_markdown(c, m, n, next(pairs))
                (module / f"{n:02d}-lesson-{m}-{n}.md").write_text(text + "\n", encoding="utf-8")
        folders.append(folder)
    return folders


def check_tree_is_clean(folders: list[Path], size: TreeSize) -> dict[str, float]:
    """Fail loudly unless the checker finds every lesson and question and no problem at all."""
    from app.content.check import check_paths, format_report

    report = check_paths(folders)
    if report.problems:
        raise RuntimeError("the generated courses have problems:\n" + format_report(report))
    if report.lesson_count != size.total_lessons or report.question_count != 2 * size.total_lessons:
        raise RuntimeError(f"expected {size.total_lessons} lessons: {format_report(report)}")
    sizes = [p.stat().st_size for f in folders for p in f.glob("*/[0-9]*.md")]
    return {"lessons": len(sizes), "mean_lesson_bytes": round(sum(sizes) / len(sizes))}


def run_on(dialect: str, server_url: str | None, folders: list[Path], size: TreeSize) -> Result:
    """First sync into an empty database, then the same again; one result row."""
    with temporary_database(dialect, server_url) as url:
        app = bench_app(url, courses_dir=folders[0].parent)
        try:
            first = sync_paths(app, folders)
            if set(first.outcomes.values()) != {"added"}:
                raise RuntimeError(f"first sync did not add every course: {first.outcomes}")
            again = sync_paths(app, folders)
            if set(again.outcomes.values()) != {"unchanged"}:
                raise RuntimeError(f"re-sync changed courses: {again.outcomes}")
        finally:
            dispose(app)
    log(
        f"sync [{dialect}]: first {first.watch.total:.2f} s {_sections(first.watch.seconds)},"
        f" re-sync {again.watch.total:.3f} s {_sections(again.watch.seconds)}"
    )
    return Result(
        name=_name(size, dialect),
        figure=again.watch.total,
        unit="s",
        baseline=first.watch.total,
        baseline_label="first sync",
        goal=GOAL,
        details={
            "first_sync_sections_s": first.watch.seconds,
            "resync_sections_s": again.watch.seconds,
            "lessons": first.lessons,
            "questions": first.questions,
            "courses": len(folders),
        },
    )


def _sections(seconds: dict[str, float]) -> str:
    return "(" + ", ".join(f"{k} {v:.3f}" for k, v in seconds.items()) + ")"


def run(options: Options) -> list[Result]:
    """Generate the tree once and time both syncs on each database."""
    size = QUICK_SIZE if options.quick else FULL_SIZE
    with tempfile.TemporaryDirectory(prefix="academy-bench-courses-") as folder:
        folders = generate_tree(Path(folder), size)
        shape = check_tree_is_clean(folders, size)
        log(f"sync: generated {shape['lessons']} lessons of {shape['mean_lesson_bytes']} B each")
        results = []
        for dialect, server_url in database_targets(options):
            load_before = os.getloadavg()[0]
            try:
                result = run_on(dialect, server_url, folders, size)
            except Exception as error:  # report it in the table and go on with the others
                result = Result.failure(_name(size, dialect), "s", GOAL, error)
            result.details.update(shape)
            # Other work on the machine slows both syncs, but not necessarily alike.
            result.details["load_average_1min"] = [load_before, os.getloadavg()[0]]
            results.append(result)
    return results


def _name(size: TreeSize, dialect: str) -> str:
    return f"sync: re-sync unchanged, {size.total_lessons} lessons [{dialect}]"
