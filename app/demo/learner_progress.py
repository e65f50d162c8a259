"""Learner progress rows for `demo generate`: enrollments and lesson progress, as plain dicts.

Kept apart from the organisation builder (app/demo/organisation.py) because it is the one part
that decides what realistic progress looks like: about 60% of learner-course pairs started,
half of those completed, completion times spread over the current year.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

LESSONS_PER_COURSE = 8
STARTED_SHARE = 0.6  # of learner-course pairs; half of the started ones are completed


@dataclass
class ProgressCounts:
    """How many progress rows a generation wrote."""

    enrollments: int = 0
    completed: int = 0
    in_progress: int = 0
    lesson_progress: int = 0


def progress_rows(
    rng: random.Random,
    user_ids: range,
    course_rows: list[dict[str, Any]],
    first_lesson_id: int,
    year_start: datetime,
    now: datetime,
    with_lessons: bool,
    counts: ProgressCounts,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Enrollment and lesson progress rows for a slice of learners."""
    enrollments: list[dict[str, Any]] = []
    lessons: list[dict[str, Any]] = []
    span = max((now - year_start).total_seconds(), 3600.0)
    for user_id in user_ids:
        for index, course in enumerate(course_rows):
            if rng.random() >= STARTED_SHARE:
                continue  # not started: no row, as when a learner never opened the course
            completed = rng.random() < 0.5
            first_lesson = first_lesson_id + index * LESSONS_PER_COURSE
            moment = year_start + timedelta(seconds=rng.random() * span)
            started_at = moment - timedelta(days=rng.randint(0, 20))
            done = LESSONS_PER_COURSE if completed else rng.randint(0, LESSONS_PER_COURSE - 1)
            enrollments.append(
                {
                    "user_id": user_id,
                    "course_id": course["id"],
                    "status": "completed" if completed else "in_progress",
                    "completed_lessons": done,
                    "percent": round(100.0 * done / LESSONS_PER_COURSE, 1),
                    "best_score": round(rng.uniform(60, 100), 1) if completed else None,
                    "started_at": started_at,
                    "completed_at": moment if completed else None,
                    "completed_version": 1 if completed else None,
                    "credit_hours_awarded": course["credit_hours"] if completed else 0.0,
                    "last_lesson_id": first_lesson + max(done - 1, 0),
                    "last_activity_at": moment,
                    "created_at": started_at,
                }
            )
            if completed:
                counts.completed += 1
            else:
                counts.in_progress += 1
            if not with_lessons:
                continue
            # Every completed lesson, plus the one being read for an unfinished course.
            viewed = done if completed else done + 1
            step = (moment - started_at) / viewed
            for position in range(viewed):
                seen = started_at + step * position
                lessons.append(
                    {
                        "user_id": user_id,
                        "lesson_id": first_lesson + position,
                        "course_id": course["id"],
                        "first_viewed_at": seen,
                        "completed_at": seen + timedelta(minutes=12) if position < done else None,
                        "seconds_spent": 600 + rng.randint(0, 600),
                        "best_score": None,
                        "last_heartbeat_at": seen + timedelta(minutes=10),
                    }
                )
    counts.enrollments += len(enrollments)
    counts.lesson_progress += len(lessons)
    return enrollments, lessons
