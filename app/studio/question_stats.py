"""How a course's questions perform: per question the number of answers, facility (the mean
score, 0 to 1), discrimination (the item-rest correlation: the Pearson correlation, over
submitted attempts, between the score on the question and the score on the rest of the
attempt; with a right/wrong question it is the point-biserial) and how often each option was
chosen; per lesson the funnel (opened, completed) and the median time of those who completed.

Computed with aggregate SQL over the stored attempt items: a fixed number of statements for
the questions whatever the number of attempts, plus one per lesson for its median time.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Float, String, and_, case, cast, func, select
from sqlalchemy.orm import Session

from app.models import (
    AttemptItem,
    Course,
    Lesson,
    LessonProgress,
    Question,
    QuestionVersion,
    QuizAttempt,
)

LOW_FACILITY, HIGH_FACILITY, LOW_DISCRIMINATION = 0.2, 0.95, 0.1
MIN_ANSWERS = 5  # fewer answers than this say nothing about a question: no flags


@dataclass
class OptionCount:
    """One option of a choice question and how many answers chose it."""

    position: int
    html: str
    correct: bool
    chosen: int = 0


@dataclass
class QuestionStats:
    """The figures of one question; facility and discrimination are None without data."""

    question: Question
    answers: int = 0
    facility: float | None = None
    discrimination: float | None = None
    options: list[OptionCount] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


@dataclass
class LessonFunnel:
    """How many learners opened and completed a lesson, and the median minutes of those who did."""

    lesson: Lesson
    opened: int = 0
    completed: int = 0
    median_minutes: float | None = None


def _correlation(n: int, sx: float, sy: float, sxx: float, syy: float, sxy: float) -> float | None:
    spread = (n * sxx - sx * sx) * (n * syy - sy * sy)
    if n < 2 or spread <= 0:
        return None  # everyone scored the same on the question or on the rest: no correlation
    return (n * sxy - sx * sy) / math.sqrt(spread)


def question_stats(session: Session, course: Course) -> list[QuestionStats]:
    """The statistics of every live question of `course`, in course order."""
    questions = list(
        session.scalars(
            select(Question)
            .where(Question.course_id == course.id, Question.archived.is_(False))
            .order_by(Question.lesson_id.is_(None), Question.lesson_id, Question.position)
        )
    )
    points = QuestionVersion.points
    x = AttemptItem.points_earned / points
    rest_possible = QuizAttempt.points_possible - points
    has_rest = rest_possible > 0
    y = case(
        (has_rest, (QuizAttempt.points_earned - AttemptItem.points_earned) / rest_possible),
        else_=0.0,
    )
    paired = case((has_rest, 1), else_=0)
    px = case((has_rest, x), else_=0.0)
    submitted = and_(
        QuizAttempt.id == AttemptItem.attempt_id,
        QuizAttempt.status == "submitted",
        QuizAttempt.course_id == course.id,
    )
    rows = session.execute(
        select(
            AttemptItem.question_id,
            func.count(),
            func.sum(cast(x, Float)),
            func.sum(paired),
            func.sum(cast(px, Float)),
            func.sum(cast(y, Float)),
            func.sum(cast(px * px, Float)),
            func.sum(cast(y * y, Float)),
            func.sum(cast(px * y, Float)),
        )
        .join(QuizAttempt, submitted)
        .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
        .where(points > 0)
        .group_by(AttemptItem.question_id)
    ).all()
    figures = {row[0]: row[1:] for row in rows}
    chosen = session.execute(
        select(AttemptItem.question_id, cast(AttemptItem.response, String), func.count())
        .join(QuizAttempt, submitted)
        .join(Question, Question.id == AttemptItem.question_id)
        .where(Question.type.in_(("single", "multiple")))
        .group_by(AttemptItem.question_id, cast(AttemptItem.response, String))
    ).all()
    picks: dict[int, dict[int, int]] = {}
    for question_id, response, count in chosen:
        for position in _positions(response):
            counts = picks.setdefault(question_id, {})
            counts[position] = counts.get(position, 0) + count
    current = {
        v.question_id: v
        for v in session.scalars(
            select(QuestionVersion)
            .join(Question, Question.id == QuestionVersion.question_id)
            .where(Question.course_id == course.id, QuestionVersion.version == Question.version)
        )
    }
    return [_stats(q, figures.get(q.id), picks.get(q.id, {}), current.get(q.id)) for q in questions]


def _positions(response: str | None) -> list[int]:
    try:
        value: Any = json.loads(response) if response else None
    except ValueError:
        return []
    values = value if isinstance(value, list) else [value]
    found = []
    for item in values:
        if isinstance(item, int) and not isinstance(item, bool):
            found.append(item)
        elif isinstance(item, str) and item.isdigit():
            found.append(int(item))
    return sorted(set(found))


def _stats(question: Question, figures: Any, picks: dict[int, int], version: Any) -> QuestionStats:
    stats = QuestionStats(question)
    if version is not None and question.type in ("single", "multiple"):
        stats.options = [
            OptionCount(o["position"], o["html"], bool(o["correct"]), picks.get(o["position"], 0))
            for o in version.data.get("options", [])
        ]
    if figures is None:
        return stats
    answers, sum_x, pairs, sx, sy, sxx, syy, sxy = figures
    stats.answers = int(answers)
    stats.facility = float(sum_x or 0) / answers if answers else None
    stats.discrimination = _correlation(
        int(pairs or 0), *(float(v or 0) for v in (sx, sy, sxx, syy, sxy))
    )
    if stats.answers >= MIN_ANSWERS:
        if stats.facility is not None and stats.facility < LOW_FACILITY:
            stats.flags.append("hard")
        if stats.facility is not None and stats.facility > HIGH_FACILITY:
            stats.flags.append("easy")
        if stats.discrimination is not None and stats.discrimination < LOW_DISCRIMINATION:
            stats.flags.append("weak")
        if any(option.chosen == 0 for option in stats.options):
            stats.flags.append("unchosen")
    return stats


def lesson_funnels(session: Session, course: Course) -> list[LessonFunnel]:
    """Opened and completed counts of every live lesson, with the median time of completers."""
    lessons = list(
        session.scalars(
            select(Lesson)
            .where(Lesson.course_id == course.id, Lesson.archived.is_(False))
            .order_by(Lesson.position)
        )
    )
    counts = {
        row[0]: row[1:]
        for row in session.execute(
            select(
                LessonProgress.lesson_id,
                func.count(),
                func.count(LessonProgress.completed_at),
            )
            .where(LessonProgress.course_id == course.id)
            .group_by(LessonProgress.lesson_id)
        )
    }
    funnels = []
    for lesson in lessons:
        opened, completed = counts.get(lesson.id, (0, 0))
        funnel = LessonFunnel(lesson, int(opened), int(completed))
        if completed:
            # The median is the middle row (or the two middle ones) of the completers' times:
            # one statement per lesson, whatever the number of learners.
            middle = list(
                session.scalars(
                    select(LessonProgress.seconds_spent)
                    .where(
                        LessonProgress.lesson_id == lesson.id,
                        LessonProgress.completed_at.is_not(None),
                    )
                    .order_by(LessonProgress.seconds_spent)
                    .offset((completed - 1) // 2)
                    .limit(2 - completed % 2)
                )
            )
            funnel.median_minutes = sum(middle) / len(middle) / 60 if middle else None
        funnels.append(funnel)
    return funnels
