"""Synthetic organisations for `flask --app app demo generate`: size, speed and report tests.

A run builds one province-shaped unit tree (at most six levels), a set of small published
courses assigned to the whole province with due dates, learners spread over the units (more
in the leaf units) and their progress: enrollments for about 60% of the learner-course pairs
(half of them completed) and the lesson rows behind them.

Everything is written with bulk INSERTs of plain rows, in batches, with ids chosen here (above
the current maximum): no ORM object per row and no password hashing, so 100,000 learners take
seconds to minutes rather than hours. Learners are written a slice at a time, so memory stays
flat whatever the size. Generated users have no password (they cannot sign in) and a random
session token each.

Each run adds a new organisation beside whatever is there: the first uses the prefix `GEN`
(unit codes `GEN-000000`..., usernames `gen-0000001`..., courses `gen-course-01`...), the
next `GEN2`, and so on, so a second run never collides with the first. Like every service
here it never commits: the caller does, once.
"""

from __future__ import annotations

import math
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from app import audit
from app.credits.ledger import backfill_completions
from app.demo.bulk import FreeIds, advance_sequences, first_free_ids, free_prefix, insert_rows
from app.demo.learner_progress import LESSONS_PER_COURSE, ProgressCounts, progress_rows
from app.models import (
    Assignment,
    Course,
    Enrollment,
    Lesson,
    LessonProgress,
    Module,
    Unit,
    UnitCourse,
    User,
    UserRole,
)
from app.organisation.unit_courses import rebuild_unit_courses

MAX_LEVELS = 6  # province, city, county, department, section, office (depth 0..5)
LEVEL_NAMES = ("Province", "City", "County", "Department", "Section", "Office")

LEAF_WEIGHT = 4  # a leaf unit gets this many times the learners of an inner unit
LEARNERS_PER_SLICE = 2_000  # learners written (with their progress) per round of INSERTs

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN_NAMES = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛")

Progress = Callable[[int], None]


class GenerationError(ValueError):
    """Sizes that cannot make an organisation."""


@dataclass
class GenerationSummary:
    """What a run created, and how long each part took (seconds)."""

    prefix: str
    root_code: str
    units: int
    depth: int
    learners: int
    courses: int
    assigned_pairs: int
    enrollments: int
    completed: int
    in_progress: int
    lesson_progress: int
    seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The summary as lines for a terminal."""
        timing = ", ".join(f"{name} {secs:.1f} s" for name, secs in self.seconds.items())
        return [
            f"Generated organisation {self.prefix}: root unit {self.root_code}.",
            f"  units: {self.units:,} (depth {self.depth})",
            f"  courses: {self.courses:,} (assigned to the root, sub-units included)",
            f"  learners: {self.learners:,}; assigned learner-course pairs: "
            f"{self.assigned_pairs:,}",
            f"  enrollments: {self.enrollments:,} ({self.completed:,} completed, "
            f"{self.in_progress:,} in progress); lesson progress rows: "
            f"{self.lesson_progress:,}",
            f"  time: {timing}",
        ]


def _full_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN_NAMES, k=2))


def _level_sizes(units: int) -> list[int]:
    """How many units each level of the tree gets: 1 root, a few cities, then a constant
    fan-out, with the last level filled only as far as `units` needs."""
    if units == 1:
        return [1]
    cities = max(2, min(20, round(math.sqrt(units) / 2)))
    cities = min(cities, units - 1)
    fan_out = 1
    while 1 + cities * sum(fan_out**level for level in range(MAX_LEVELS - 1)) < units:
        fan_out += 1
    sizes, left = [1], units - 1
    width = cities
    while left > 0:
        sizes.append(min(width, left))
        left -= sizes[-1]
        width *= fan_out
    return sizes


def _build_units(
    session: Session, prefix: str, units: int, first_id: int
) -> tuple[list[tuple[int, int]], int]:
    """Insert the unit tree; returns (unit id, learner weight) per unit, and the depth.

    Ids and paths are computed here, level by level, parents dealt out round-robin so every
    parent of a level gets an equal share of the next one.
    """
    rows: list[dict[str, Any]] = []
    levels: list[list[tuple[int, str]]] = []  # per level: (id, path)
    parents_with_children: set[int] = set()
    next_id = first_id
    for depth, size in enumerate(_level_sizes(units)):
        level = []
        for index in range(size):
            unit_id = next_id
            next_id += 1
            if depth == 0:
                parent_id, path = None, f"/{unit_id}/"
            else:
                parent_id, parent_path = levels[-1][index % len(levels[-1])]
                parents_with_children.add(parent_id)
                path = f"{parent_path}{unit_id}/"
            number = unit_id - first_id
            rows.append(
                {
                    "id": unit_id,
                    "code": f"{prefix}-{number:06d}",
                    "name": f"{prefix} {LEVEL_NAMES[depth]} {number}",
                    "parent_id": parent_id,
                    "path": path,
                    "depth": depth,
                }
            )
            level.append((unit_id, path))
        levels.append(level)
    # Parents first: the foreign key to the parent must be satisfied row by row.
    insert_rows(session, Unit, rows)
    weights = [
        (row["id"], 1 if row["id"] in parents_with_children else LEAF_WEIGHT) for row in rows
    ]
    return weights, len(levels) - 1


def _build_courses(
    session: Session, prefix: str, courses: int, ids: FreeIds, now: datetime
) -> list[dict[str, Any]]:
    """Insert `courses` published courses of one module and eight lessons each."""
    low = prefix.lower()
    course_rows, module_rows, lesson_rows = [], [], []
    for index in range(courses):
        course_id, module_id = ids.course + index, ids.module + index
        number = index + 1
        course_rows.append(
            {
                "id": course_id,
                "slug": f"{low}-course-{number:02d}",
                "title": f"Generated course {number:02d} / 生成课程 {number:02d}",
                "summary": "A synthetic course made by `demo generate`.",
                "language": "zh" if index % 2 else "en",
                "credit_hours": float(2 + index % 3),
                "status": "published",
                "tags": ["generated"],
                "overview_html": "<p>A synthetic course.</p>",
                "lesson_count": LESSONS_PER_COURSE,
                "module_count": 1,
                "version": 1,
                "sync_hash": "",
                "synced_at": now,
            }
        )
        module_rows.append(
            {
                "id": module_id,
                "course_id": course_id,
                "slug": "module-1",
                "title": "Module 1",
                "intro_html": "",
                "position": 1,
                "archived": False,
            }
        )
        for position in range(1, LESSONS_PER_COURSE + 1):
            lesson_id = ids.lesson + index * LESSONS_PER_COURSE + position - 1
            lesson_rows.append(
                {
                    "id": lesson_id,
                    "course_id": course_id,
                    "module_id": module_id,
                    "slug": f"lesson-{position}",
                    "title": f"Lesson {position}",
                    "minutes": 10,
                    "position": position,
                    "body_html": f"<p>Synthetic lesson {position}.</p>",
                    "pass_percent": 80.0,
                    "max_attempts": 0,
                    "time_limit_minutes": None,
                    "shuffle": False,
                    "show_answers": "after_pass",
                    "draw": [],
                    "has_quiz": False,
                    "content_hash": "",
                    "archived": False,
                    "previous_lesson_id": lesson_id - 1 if position > 1 else None,
                    "next_lesson_id": None,
                }
            )
    insert_rows(session, Course, course_rows)
    insert_rows(session, Module, module_rows)
    insert_rows(session, Lesson, lesson_rows)
    # The pager's next links, once the rows they name exist (the previous ones already do).
    lessons = Lesson.__table__
    session.execute(
        update(lessons)
        .where(lessons.c.id == bindparam("earlier"))
        .values(next_lesson_id=bindparam("later")),
        [
            {"earlier": row["previous_lesson_id"], "later": row["id"]}
            for row in lesson_rows
            if row["previous_lesson_id"] is not None
        ],
    )
    return course_rows


def _assign(
    session: Session, root_id: int, course_rows: list[dict[str, Any]], today: date, now: datetime
) -> None:
    """Assign every course to the root, sub-units included; due dates alternate past/future."""
    rows = [
        {
            "unit_id": root_id,
            "course_id": course["id"],
            "include_subunits": True,
            "required": True,
            "due_date": today + timedelta(days=(45 + 15 * index) * (1 if index % 2 else -1)),
            "created_by": None,
            "created_at": now,
        }
        for index, course in enumerate(course_rows)
    ]
    insert_rows(session, Assignment, rows)
    root = session.get(Unit, root_id)
    assert root is not None
    rebuild_unit_courses(session, root)


def generate_organisation(
    session: Session,
    *,
    learners: int,
    units: int,
    courses: int,
    seed: int | None = None,
    lesson_progress: bool = True,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> GenerationSummary:
    """Build a synthetic organisation (see the module docstring); the caller commits.

    `progress(n)` is called as each slice of n learners has been written. With
    `lesson_progress=False` only the enrollment rollups are written (what the unit report and
    the learner list read), which is several times faster at large sizes.
    """
    if learners < 0 or units < 1 or courses < 1 or courses > 99:
        raise GenerationError("Use at least 1 unit, 0 or more learners and 1 to 99 courses.")
    if units > 999_999:
        raise GenerationError("Use at most 999,999 units.")
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    year_start = datetime(now.year, 1, 1, tzinfo=UTC)
    seconds: dict[str, float] = {}
    started = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal started
        seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started
        started = time.perf_counter()

    prefix = free_prefix(session)
    ids = first_free_ids(session)
    unit_weights, depth = _build_units(session, prefix, units, ids.unit)
    lap("units")
    course_rows = _build_courses(session, prefix, courses, ids, now)
    root_id = unit_weights[0][0]
    _assign(session, root_id, course_rows, now.date(), now)
    lap("courses and assignments")

    unit_of = rng.choices(
        [unit_id for unit_id, _w in unit_weights],
        weights=[weight for _u, weight in unit_weights],
        k=learners,
    )
    low = prefix.lower()
    counts = ProgressCounts()
    for start in range(0, learners, LEARNERS_PER_SLICE):
        stop = min(start + LEARNERS_PER_SLICE, learners)
        user_ids = range(ids.user + start, ids.user + stop)
        user_rows = [
            {
                "id": user_id,
                "username": f"{low}-{user_id - ids.user + 1:07d}",
                "full_name": _full_name(rng),
                "email": None,
                "employee_number": None,
                "unit_id": unit_of[user_id - ids.user],
                "password_hash": None,
                "activation_code_hash": None,
                "activation_expires_at": None,
                "is_active": True,
                "must_change_password": False,
                "session_token": secrets.token_urlsafe(24),
                "locale": None,
                "created_at": now,
                "last_login_at": None,
            }
            for user_id in user_ids
        ]
        insert_rows(session, User, user_rows)
        insert_rows(
            session,
            UserRole,
            [{"user_id": u, "role": "learner", "scope_unit_id": None} for u in user_ids],
        )
        lap("learners")
        enrollment_rows, lesson_rows = progress_rows(
            rng, user_ids, course_rows, ids.lesson, year_start, now, lesson_progress, counts
        )
        insert_rows(session, Enrollment, enrollment_rows)
        insert_rows(session, LessonProgress, lesson_rows)
        lap("progress")
        if progress is not None:
            progress(stop - start)

    advance_sequences(session, (Unit, User, Course, Module, Lesson))
    # The completions were written in bulk, around the app: record their credit hours.
    backfill_completions(session)
    assigned_pairs = session.scalar(
        select(func.count())
        .select_from(User)
        .join(UnitCourse, UnitCourse.unit_id == User.unit_id)
        .where(User.id >= ids.user)
    )
    summary = GenerationSummary(
        prefix=prefix,
        root_code=f"{prefix}-000000",
        units=units,
        depth=depth,
        learners=learners,
        courses=courses,
        assigned_pairs=assigned_pairs or 0,
        enrollments=counts.enrollments,
        completed=counts.completed,
        in_progress=counts.in_progress,
        lesson_progress=counts.lesson_progress,
        seconds=seconds,
    )
    audit.record(
        session,
        "demo_generated",
        subject=summary.root_code,
        units=units,
        learners=learners,
        courses=courses,
        seed=seed,
    )
    lap("summary")
    seconds["total"] = sum(seconds.values())
    return summary
