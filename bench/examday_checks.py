"""What the exam-day benchmark checks and measures besides latency.

- `check_database`: after a wave, what the database holds for its learners (one attempt each,
  submitted, none open or late, every drawn question recorded, heartbeats counted, every pass
  completing the course), counted in SQL rather than trusted from the HTTP responses.
- `profile_requests`: the same learner's requests in-process through Flask's test client, with
  the SQL statements each one runs and the CPU time it takes, so a missed goal can say where
  the time goes without a profiler attached to gunicorn.
"""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

from werkzeug.datastructures import MultiDict

from bench.examday_client import (
    ATTEMPT_TOKEN,
    CSRF_META,
    QUESTION_INPUT,
    Learner,
    answers_for,
)


def check_database(app: Any, user_ids: list[int], lesson_path: str) -> dict[str, int]:
    """Counts over the attempts, items, progress and enrollments of the learners `user_ids`
    (a contiguous range of ids: one wave) in the lesson at `lesson_path`."""
    from sqlalchemy import and_, case, func, select

    from app.db import db
    from app.models import AttemptItem, Course, Enrollment, Lesson, LessonProgress, QuizAttempt

    course_slug, lesson_slug = lesson_path.split("/")[2], lesson_path.split("/")[4]
    first, last = min(user_ids), max(user_ids)
    session = db.new_session(write=False)
    try:
        course_id, lesson_id = session.execute(
            select(Course.id, Lesson.id)
            .join(Lesson, Lesson.course_id == Course.id)
            .where(Course.slug == course_slug, Lesson.slug == lesson_slug)
        ).one()
        ours = and_(QuizAttempt.lesson_id == lesson_id, QuizAttempt.user_id.between(first, last))

        def counted(condition: Any) -> Any:
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        opened, submitted, still_open, late, passed, learners = session.execute(
            select(
                func.count(QuizAttempt.id),
                counted(QuizAttempt.status == "submitted"),
                counted(QuizAttempt.status == "open"),
                counted(QuizAttempt.timed_out.is_(True)),
                counted(QuizAttempt.passed.is_(True)),
                func.count(func.distinct(QuizAttempt.user_id)),
            ).where(ours)
        ).one()
        per_learner = (
            select(func.count().label("n")).where(ours).group_by(QuizAttempt.user_id).subquery()
        )
        duplicates = session.scalar(
            select(func.count()).select_from(per_learner).where(per_learner.c.n > 1)
        )
        items = session.scalar(
            select(func.count(AttemptItem.id))
            .join(QuizAttempt, QuizAttempt.id == AttemptItem.attempt_id)
            .where(ours)
        )
        heartbeat_rows = session.scalar(
            select(func.count(LessonProgress.id)).where(
                LessonProgress.lesson_id == lesson_id,
                LessonProgress.user_id.between(first, last),
                LessonProgress.last_heartbeat_at.is_not(None),
            )
        )
        completed = session.scalar(
            select(func.count(Enrollment.id)).where(
                Enrollment.course_id == course_id,
                Enrollment.user_id.between(first, last),
                Enrollment.status == "completed",
            )
        )
    finally:
        session.close()
    values = {
        "opened": opened,
        "submitted": submitted,
        "open": still_open,
        "late": late,
        "passed": passed,
        "learners_with_attempt": learners,
        "duplicates": duplicates,
        "items": items,
        "heartbeat_rows": heartbeat_rows,
        "completed": completed,
    }
    return {name: int(value or 0) for name, value in values.items()}


def profile_requests(app: Any, learners: list[Learner], lesson_path: str) -> dict[str, Any]:
    """Each learner's requests in-process, back to back: per request type, the median number
    of SQL statements (BEGIN included) and the median CPU milliseconds of the whole request
    (on SQLite the database's own work is in it; PostgreSQL's runs in its own processes)."""
    from sqlalchemy import event

    from app.db import db

    statements: list[str] = []
    measured: dict[str, list[tuple[int, float]]] = {}
    first: dict[str, list[str]] = {}

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split())[:80])

    def call(client: Any, kind: str, method: str, path: str, **kwargs: Any) -> Any:
        statements.clear()
        started = time.process_time()
        response = client.open(path, method=method, **kwargs)
        measured.setdefault(kind, []).append((len(statements), time.process_time() - started))
        first.setdefault(kind, list(statements))
        if response.status_code not in (200, 302):
            raise RuntimeError(f"{method} {path} gave {response.status_code} in-process")
        return response

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for learner in learners:
            client = app.test_client()
            client.set_cookie(app.config["SESSION_COOKIE_NAME"], learner.cookie)
            page = call(client, "start page", "GET", lesson_path)
            token = CSRF_META.search(page.data)[1].decode()
            csrf = {"csrf_token": token}
            call(client, "attempt open", "POST", f"{lesson_path}/quiz/start", data=csrf)
            quiz = call(client, "quiz page", "GET", lesson_path)
            attempt = ATTEMPT_TOKEN.search(quiz.data)[1].decode()
            fields = list(dict.fromkeys(m[2].decode() for m in QUESTION_INPUT.finditer(quiz.data)))
            for _beat in range(2):
                beat = {"X-CSRFToken": token}
                call(client, "heartbeat", "POST", f"{lesson_path}/heartbeat", headers=beat)
            answers = [
                ("csrf_token", token),
                ("attempt_token", attempt),
                ("confirm_incomplete", "1"),
            ]
            answers += answers_for(fields, random.Random(learner.user_id))
            sent = call(client, "submit", "POST", f"{lesson_path}/quiz", data=MultiDict(answers))
            call(client, "result page", "GET", sent.headers["Location"])
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return {
        kind: {
            "statements": statistics.median(n for n, _cpu in rows),
            "cpu_ms": round(statistics.median(cpu for _n, cpu in rows) * 1000, 2),
            "statements_of_the_first": first[kind],
        }
        for kind, rows in measured.items()
    }
