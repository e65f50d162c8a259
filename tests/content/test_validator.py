"""Each checker rule fires at the right file and line, with a message that says what to do."""

from __future__ import annotations

import pytest

from tests.content.conftest import COURSE_MD, BuildCourse, ProblemRows

FIRST = "01-basics/01-first.md"
LESSON = f"course-a/{FIRST}"
COURSE = "course-a/course.md"
POOL = "course-a/pools/extra.md"
SINGLE = "id: q\ntype: single"
TWO_OPTIONS = "Pick.\n\n- [x] a\n- [ ] b"  # the options are at block line + 6 and + 7
MODULE_TWIN = "---\nid: basics\ntitle: Twin\n---\n"
E, W, INFO = "error", "warning", "info"


def lesson(body: str, front: str = "") -> str:
    """A lesson whose front matter takes lines 1-4 (plus `front`), the body right after."""
    return f"---\ntitle: L\nminutes: 5\n{front}---\n{body}"


def quiz(header: str, rest: str) -> str:
    """A quiz block: `::: quiz`, the header, a blank line, `rest`, then `:::`."""
    return f"::: quiz\n{header}\n\n{rest}\n:::\n"


def first(body: str, front: str = "") -> dict[str, str | bytes | None]:
    """The files to replace the first lesson with a lesson of this body."""
    return {FIRST: lesson(body, front)}


def ask(qtype: str, rest: str, extra: str = "") -> dict[str, str | bytes | None]:
    """The first lesson holding one question "q" of `qtype`; the block opens at line 5."""
    return first(quiz(f"id: q\ntype: {qtype}{extra}", rest))


def course_md(**changes: str | None) -> dict[str, str | bytes | None]:
    """course.md with keys replaced (by a value) or removed (by None)."""
    lines = []
    for line in COURSE_MD.splitlines():
        key = line.split(":", 1)[0]
        if key not in changes:
            lines.append(line)
        elif changes[key] is not None:
            lines.append(f"{key}: {changes[key]}")
    return {"course.md": "\n".join(lines) + "\n"}


def pool(text: str) -> dict[str, str | bytes | None]:
    """A pool `extra` holding `text`."""
    return {"pools/extra.md": text}


P1 = quiz("id: p1\ntype: single", TWO_OPTIONS)

# (name, files to write over the valid course, path, line, severity, part of the message)
# fmt: off
CASES = [
    # course.md front matter
    ("no front matter", {"course.md": "# A\n"}, COURSE, 1, E, "missing front matter; start"),
    ("front matter never closed", {"course.md": "---\nid: a\n"}, COURSE, 1, E, "never closed"),
    ("bad yaml at its line", course_md(title="Bad: colon"), COURSE, 3, E, "not valid YAML"),
    ("not a mapping", {"course.md": "---\n- a\n---\n"}, COURSE, 2, E, "`key: value` lines"),
    ("no title", course_md(title=None), COURSE, 1, E, 'no "title"; add a line `title: '),
    ("no summary", course_md(summary=None), COURSE, 1, E, 'no "summary"'),
    ("no language", course_md(language=None), COURSE, 1, E, 'no "language"'),
    ("title not text", course_md(title="[a, b]"), COURSE, 3, E, '"title" must be text'),
    ("credit hours zero", course_md(credit_hours="0"), COURSE, 6, E,
     '"credit_hours" must be a number greater than 0, not 0'),
    ("credit hours text", course_md(credit_hours="two"), COURSE, 6, E, "must be a number"),
    ("credit hours boolean", course_md(credit_hours="true"), COURSE, 6, E, "must be a number"),
    ("language fr", course_md(language="fr"), COURSE, 5, E, '"language" must be `en` or `zh`'),
    ("status live", course_md(status="live"), COURSE, 7, E, "`draft` or `published`, not"),
    ("tags not a list", course_md(tags="a, b"), COURSE, 8, E, "a list of words"),
    ("tags not strings", course_md(tags="[1, [2]]"), COURSE, 8, E, "a list of words"),
    ("bad course id", course_md(id="Course_A"), COURSE, 2, E,
     'id "Course_A" is not a valid id; use lowercase letters, digits and hyphens'),
    ("unknown key", course_md(tags="[a]\ntgas: [b]"), COURSE, 9, W,
     'unknown key "tgas" in course.md is ignored; did you mean "tags"?'),
    ("key twice", course_md(tags="[a]\ntitle: B"), COURSE, 9, E, "given twice (also at line 3)"),
    ("quiz in course.md", {"course.md": COURSE_MD + P1}, COURSE, 12, E, "belong in lessons"),
    # lesson front matter
    ("lesson without front matter", {FIRST: "Text.\n"}, LESSON, 1, E, "missing front matter"),
    ("no minutes", {FIRST: "---\ntitle: L\n---\n"}, LESSON, 1, INFO,
     "no minutes given; estimated 1 minute from the text (0 words, 0 questions)"),
    ("minutes zero", {FIRST: "---\ntitle: L\nminutes: 0\n---\n"}, LESSON, 3, E,
     '"minutes" must be a whole number greater than 0, not 0'),
    ("no lesson title", {FIRST: "---\nminutes: 5\n---\n"}, LESSON, 1, E, 'no "title"'),
    ("minutes not whole", {FIRST: "---\ntitle: L\nminutes: 2.5\n---\n"}, LESSON, 3, E,
     '"minutes" must be a whole number greater than 0, not 2.5'),
    ("pass percent 120", first(P1, "pass_percent: 120\n"), LESSON, 4, E, "from 0 to 100"),
    ("max attempts -1", first(P1, "max_attempts: -1\n"), LESSON, 4, E, "whole number at least 0"),
    ("time limit 0", first(P1, "time_limit_minutes: 0\n"), LESSON, 4, E, "greater than 0"),
    ("shuffle 'yes'", first(P1, "shuffle: 'yes'\n"), LESSON, 4, E, "`true` or `false`"),
    ("show answers soon", first(P1, "show_answers: soon\n"), LESSON, 4, E,
     "`after_submit` or `after_pass` or `after_final` or `never`"),
    ("draw not a list", first("", "draw: pool-a\n"), LESSON, 4, E, "`draw` must be a list"),
    ("draw without count", first("", "draw:\n  - pool: p\n"), LESSON, 5, E,
     'the count drawn from pool "p" must be a whole number > 0'),
    ("draw without pool", first("", "draw:\n  - count: 1\n"), LESSON, 5, E, "needs a pool name"),
    ("unknown lesson key", first("Text\n", "minuts: 3\n"), LESSON, 4, W, 'did you mean "minutes"'),
    ("settings, no questions", first("Text\n", "shuffle: true\n"), LESSON, 4, W, "no effect"),
    ("bad id from file name", {"01-basics/01-Bad Name.md": lesson("Text\n")},
     "course-a/01-basics/01-Bad Name.md", 1, E, "the lesson id from the file name"),
    ("bad lesson id", first("Text\n", "id: Bad Id\n"), LESSON, 4, E, 'id "Bad Id" is not a'),
    # quiz blocks: the block opens at line 5, the header starts at line 6
    ("unknown type", ask("singel", TWO_OPTIONS), LESSON, 7, E,
     'unknown question type "singel" (did you mean "single"?); use one of: single, multiple'),
    ("no question id", first(quiz("type: single", TWO_OPTIONS)), LESSON, 5, E,
     'quiz header has no "id"'),
    ("no question type", first(quiz("id: q", TWO_OPTIONS)), LESSON, 5, E, 'no "type"'),
    ("bad question id", first(quiz("id: Q 1\ntype: single", TWO_OPTIONS)), LESSON, 6, E,
     'id "Q 1" is not a valid id'),
    ("single, two [x]", ask("single", "Pick.\n\n- [x] a\n- [x] b"), LESSON, 5, E,
     'question "q" is type single but has 2 correct options ([x]); mark exactly one option [x]'),
    ("single, no [x]", ask("single", "Pick.\n\n- [ ] a\n- [ ] b"), LESSON, 5, E, "has 0 correct"),
    ("multiple, no [x]", ask("multiple", "Pick.\n\n- [ ] a\n- [ ] b"), LESSON, 5, E,
     "mark at least one option [x]"),
    ("one option", ask("single", "Pick.\n\n- [x] a"), LESSON, 5, E, "at least two options"),
    ("= on single", ask("single", TWO_OPTIONS + "\n= a"), LESSON, 13, E, "not `=` answers"),
    ("= on multiple", ask("multiple", "= a\n- [x] a\n- [ ] b"), LESSON, 9, E, "not `=` answers"),
    ("options on short", ask("short", "Say.\n\n- [x] a\n= a"), LESSON, 11, E,
     "takes `=` answer lines, not options"),
    ("options on numeric", ask("numeric", "Say.\n\n= 1\n- [ ] a"), LESSON, 12, E, "not options"),
    ("options on truefalse", ask("truefalse", "Say.\n\n- [ ] a\n= true"), LESSON, 11, E,
     "not options"),
    ("short, no answer", ask("short", "Say."), LESSON, 5, E,
     "has no answer; add a line such as `= the accepted answer`"),
    ("numeric, no answer", ask("numeric", "Say."), LESSON, 5, E, "such as `= 42`"),
    ("truefalse, no answer", ask("truefalse", "Say."), LESSON, 5, E, "such as `= true`"),
    ("truefalse yes", ask("truefalse", "Say.\n\n= yes"), LESSON, 11, E,
     'must be `= true` or `= false`, not "yes"'),
    ("truefalse twice", ask("truefalse", "Say.\n\n= true\n= false"), LESSON, 12, E,
     "exactly one `=` line"),
    ("empty answer", ask("short", "Say.\n\n="), LESSON, 11, E, "answer line is empty"),
    ("numeric comma", ask("numeric", "Say.\n\n= 1,5"), LESSON, 11, E,
     'cannot read "1,5" as a number'),
    ("numeric bad tolerance", ask("numeric", "Say.\n\n= 3 +- x"), LESSON, 11, E, "cannot read"),
    ("negative tolerance", ask("numeric", "Say.\n\n= 3 +- -1"), LESSON, 11, E, "is negative"),
    ("range reversed", ask("numeric", "Say.\n\n= 5 .. 2"), LESSON, 11, E, "smaller number first"),
    ("unknown header key", ask("single", TWO_OPTIONS, "\npoint: 2"), LESSON, 8, W,
     'unknown key "point" in quiz header is ignored; did you mean "points"?'),
    ("points zero", ask("single", TWO_OPTIONS, "\npoints: 0"), LESSON, 8, E,
     '"points" must be a number greater than 0'),
    ("scoring on single", ask("single", TWO_OPTIONS, "\nscoring: partial"), LESSON, 8, W,
     "only applies to type multiple"),
    ("scoring unknown", ask("multiple", TWO_OPTIONS, "\nscoring: some"), LESSON, 8, E,
     "`partial` or `all`"),
    ("case on single", ask("single", TWO_OPTIONS, "\ncase: sensitive"), LESSON, 8, W,
     "only applies to type short"),
    ("bad header yaml", ask("[single", TWO_OPTIONS), LESSON, 7, E, "quiz header is not valid YAML"),
    ("no prompt", ask("single", "- [x] a\n- [ ] b"), LESSON, 5, E, 'question "q" has no prompt'),
    ("no blank after header", first("::: quiz\nid: q\ntype: short\nSay?\n= a\n:::\n"), LESSON, 8,
     E, "must end with a blank line"),
    ("no header", first("::: quiz\nSay?\n= a\n:::\n"), LESSON, 5, E, "quiz block has no header"),
    ("unclosed block", first("Intro.\n\n::: quiz\nid: q\ntype: short\n\nSay.\n\n= a\n"), LESSON,
     7, E, "`::: quiz` block opened here is never closed; add a line `:::`"),
    ("new block before close", first("::: quiz\nid: a\n\n" + P1), LESSON, 5, E,
     "never closed before the next `::: quiz` at line 8"),
    ("stray closing line", first("Text.\n\n:::\n"), LESSON, 7, W, "closes no `::: quiz` block"),
    ("unknown block kind", first("::: note\nText.\n"), LESSON, 5, W, "is not `::: quiz`"),
    ("unclosed fence", first("Text.\n\n```\ncode\n"), LESSON, 7, W,
     "fenced code opened here with ``` is never closed"),
    ("unindented feedback", ask("single", TWO_OPTIONS + "\n> why"), LESSON, 13, E,
     "indent option feedback by two spaces"),
    ("feedback after blank", ask("single", TWO_OPTIONS + "\n\n  > why"), LESSON, 14, E,
     "right after its option"),
    ("text after options", ask("single", TWO_OPTIONS + "\n\nMore."), LESSON, 14, E,
     "start the explanation with `Explanation:`"),
    ("bad option marker", ask("single", TWO_OPTIONS + "\n- [v] c"), LESSON, 13, E,
     "write an option as `- [x] text`"),
    ("star bullet option", ask("single", TWO_OPTIONS + "\n* [ ] c"), LESSON, 13, E,
     "write an option as `- [x] text`"),
    ("option without text", ask("single", TWO_OPTIONS + "\n- [ ]"), LESSON, 13, E, "has no text"),
    # ids across files
    ("question id twice in a lesson", first(P1 + P1), LESSON, 14, E,
     'question id "p1" is already used at line 5; question ids must be unique within a course'),
    ("lesson id twice", {"02-more/01-first.md": lesson("Text\n")}, "course-a/02-more/01-first.md",
     1, E, 'lesson id "first" is already used at '),
    ("module id twice", {"02-more/module.md": MODULE_TWIN, "02-more/01-x.md": lesson("Text\n")},
     "course-a/02-more/module.md", 2, E, 'module id "basics" is already used'),
    ("question id in a pool twice", pool(quiz("id: q-first\ntype: single", TWO_OPTIONS)), POOL, 1,
     E, 'question id "q-first" is already used at'),
    # pools and draws
    ("unknown pool", first("", "draw:\n  - pool: nope\n    count: 1\n"), LESSON, 5, E,
     'draw uses pool "nope", but there is no pools/nope.md (pools in this course: none yet)'),
    ("draw exceeds pool", {**first("", "draw:\n  - {pool: extra, count: 2}\n"), **pool(P1)},
     LESSON, 5, E, 'draw asks for 2 questions from pool "extra", which has only 1'),
    ("pool not drawn", pool(P1), POOL, 1, W, 'pool "extra" is not drawn by any lesson'),
    ("text in a pool", {**first("", "draw: [{pool: extra, count: 1}]\n"), **pool("Hi\n\n" + P1)},
     POOL, 1, W, "a pool holds only quiz blocks"),
    ("bad pool name", {"pools/Extra Pool.md": P1}, "course-a/pools/Extra Pool.md", 1, E,
     'pool name "Extra Pool" is not a valid id'),
    # links
    ("missing image", first("See ![x](../assets/nope.svg).\n"), LESSON, 5, E,
     'image "../assets/nope.svg" points to a file that does not exist'),
    ("missing link", first("Text\n\nSee [x](02-nope.md#part).\n"), LESSON, 7, E,
     'link "02-nope.md#part" points to a file that does not exist'),
    ("link outside", first("[x](../../course-a/course.md)\n[y](../../../etc/passwd)\n"), LESSON,
     6, E, "points outside the course folder"),
    ("html img", first('<img alt="x" src="../assets/none.png">\n'), LESSON, 5, E,
     'image "../assets/none.png"'),
    ("html href", first("<a href='gone.pdf'>doc</a>\n"), LESSON, 5, E, 'link "gone.pdf"'),
    ("reference link", first("See [x][doc].\n\n[doc]: ../assets/doc.pdf\n"), LESSON, 7, E,
     'link "../assets/doc.pdf"'),
    ("image in a prompt", ask("single", "![p](nope.png)\n\n- [x] a\n- [ ] b"), LESSON, 9, E,
     'image "nope.png"'),
    ("image in a pool", {**first("", "draw: [{pool: extra, count: 1}]\n"),
                         **pool(quiz("id: p1\ntype: short", "![p](nope.png)\n\n= a"))},
     POOL, 5, E, 'image "nope.png"'),
    ("absolute image", first("![x](/assets/a.png)\n"), LESSON, 5, W, "uses an absolute path"),
    ("link in course.md", {"course.md": COURSE_MD + "[x](assets/no.pdf)\n"}, COURSE, 12, E,
     'link "assets/no.pdf"'),
    ("link in module.md", {"01-basics/module.md": MODULE_TWIN + "![m](m.png)\n"},
     "course-a/01-basics/module.md", 5, E, 'image "m.png"'),
    # layout
    ("lesson outside a module", {"stray.md": lesson("Text\n")}, "course-a/stray.md", 1, E,
     "this lesson file is outside a module folder"),
    ("lesson too deep", {"01-basics/deep/01-x.md": lesson("Text\n")},
     "course-a/01-basics/deep/01-x.md", 1, E, "outside a module folder"),
    ("no lessons", {FIRST: None, "01-basics/module.md": None}, COURSE, 1, E,
     "the course has no lessons"),
    ("empty module", {"02-empty/module.md": "---\nid: empty\ntitle: E\n---\n"},
     "course-a/02-empty/module.md", 1, W, "this module has no lessons"),
    ("module folder name not an id", {"02-More Stuff/01-x.md": lesson("Text\n")},
     "course-a/02-More Stuff", 1, E, "the module id from this folder's name"),
    ("not utf-8", {FIRST: b"---\ntitle: L\nminutes: 5\n---\ncaf\xe9\n"}, LESSON, 5, E,
     "the file is not UTF-8 text"),
]
# fmt: on


@pytest.mark.parametrize(
    ("files", "path", "line", "severity", "fragment"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_rule_reports_file_and_line(
    build_course: BuildCourse,
    problems_of: ProblemRows,
    files: dict[str, str | bytes | None],
    path: str,
    line: int,
    severity: str,
    fragment: str,
) -> None:
    rows = problems_of(build_course(files))
    matching = [(p, n, s) for p, n, s, message in rows if fragment in message]
    assert (path, line, severity) in matching, rows


def test_valid_course_has_no_problems(build_course: BuildCourse, problems_of: ProblemRows) -> None:
    assert problems_of(build_course()) == []


def test_quiz_and_links_inside_fenced_code_are_not_checked(
    build_course: BuildCourse, problems_of: ProblemRows
) -> None:
    body = "```\n::: quiz\nbroken\n```\n\n~~~md\n::: quiz\n:::\n![x](nope.png)\n~~~\n"
    assert problems_of(build_course(first(body + P1))) == []


def test_links_that_need_no_file_and_links_to_existing_files_pass(
    build_course: BuildCourse, problems_of: ProblemRows
) -> None:
    body = (
        "Write `![x](nope.png)` for an image.\n"
        "![flow](../assets/flow.svg) [site](https://example.org) [top](#top)"
        " [mail](mailto:a@example.org) [course](/courses/other) [esc](../assets/my%20flow.svg)\n"
        '<img src="../assets/flow.svg" alt="flow">\n'
        "Text with a footnote.[^note]\n\n"
        "[^note]: A footnote, not a link.\n"
    )
    files = {**first(body), "assets/flow.svg": "<svg/>", "assets/my flow.svg": "<svg/>"}
    assert problems_of(build_course(files)) == []


def test_duplicate_course_id_across_the_catalogue(
    build_course: BuildCourse, problems_of: ProblemRows
) -> None:
    build_course()
    second = build_course(first(quiz("id: q2\ntype: single", TWO_OPTIONS)), name="course-b")
    rows = problems_of(second.parent)
    assert [(p, n, s) for p, n, s, _ in rows] == [("course-b/course.md", 2, "error")]
    assert rows[0][3].startswith('course id "course-a" is already used by ')
    assert rows[0][3].endswith("course-a/course.md; give this course another id")


def test_folder_without_course_md_in_a_catalogue_is_a_warning(
    build_course: BuildCourse, problems_of: ProblemRows
) -> None:
    root = build_course()
    (root.parent / "notes").mkdir()
    assert problems_of(root.parent) == [
        ("notes", 1, "warning", "this folder has no course.md, so it is not a course; add one")
    ]


def test_every_mistake_of_a_file_is_reported_in_one_run(
    build_course: BuildCourse, problems_of: ProblemRows
) -> None:
    # Block 1 (lines 5-12) lacks an id and has two bad answers; block 2 (13-18) lacks a prompt
    # and has one option.
    body = quiz("type: truefalse", "Say.\n\n= maybe\n= true") + quiz(SINGLE, "- [x] a")
    rows = problems_of(build_course(first(body)))
    assert [(n, s) for _, n, s, _ in rows] == [
        (5, "error"),
        (10, "error"),
        (11, "error"),
        (13, "error"),
        (13, "error"),
    ]
