"""8 processes x 50 submissions on the test database: no error, no lost or doubled attempt.

Two processes share each learner, so they race to open the same attempt and to submit the
same token; the database's constraints must settle every race.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.models import AttemptItem, QuizAttempt

PROCESSES = 8
SUBMISSIONS = 50

FILES = {
    "course.md": (
        "---\nid: race\ntitle: Race\nsummary: Concurrency.\nlanguage: en\ncredit_hours: 1\n"
        "status: published\n---\nOverview.\n"
    ),
    "01-m/01-q.md": (
        "---\ntitle: Quiz\nminutes: 5\n---\n::: quiz\nid: q1\ntype: single\n\nPick one.\n\n"
        "- [x] right\n- [ ] wrong\n:::\n"
    ),
}


def _worker(args: tuple[str, str, int]) -> Counter:
    """Open and submit (twice: a replay) SUBMISSIONS times as one learner; count outcomes."""
    from werkzeug.datastructures import MultiDict

    from app import create_app
    from app.db import db
    from app.models import Course, Lesson, User
    from app.quiz import attempts, submission
    from config import TestingConfig

    url, username, seed = args
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    app = create_app(config)
    outcomes: Counter = Counter()
    wrong = MultiDict({"q-q1": "2"})  # never pass, so attempts keep coming
    with app.app_context():
        for _ in range(SUBMISSIONS):
            session = db.new_session()
            try:
                user = session.scalar(select(User).where(User.username == username))
                course = session.scalar(select(Course).where(Course.slug == "race"))
                lesson = session.scalar(select(Lesson).where(Lesson.slug == "q"))
                state = attempts.open_state(session, user, course, lesson)
                session.commit()
                token = state.attempt.token
                for _replay in range(2):
                    result = submission.submit(session, user, course, lesson, token, wrong)
                    session.commit()
                    outcomes["recorded" if result.recorded_now else "replayed"] += 1
            finally:
                session.close()
    db.engine.dispose()
    return outcomes


@pytest.mark.slow
def test_concurrent_submissions_are_recorded_exactly_once(
    app, sync_course, make_user, session, database_url
):
    sync_course(FILES)
    users = [f"racer{i}" for i in range(PROCESSES // 2)]
    for name in users:
        make_user(name)
    session.commit()  # the workers are other processes: they see only what is committed
    jobs = [(database_url, users[i % len(users)], i) for i in range(PROCESSES)]
    context = multiprocessing.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        results = pool.map(_worker, jobs, chunksize=1)
    total = sum(results, Counter())
    attempts = session.scalars(select(QuizAttempt)).all()
    # Every submit call either recorded an attempt or found it already recorded.
    assert total["recorded"] + total["replayed"] == PROCESSES * SUBMISSIONS * 2
    assert total["recorded"] == len(attempts)
    assert all(a.status == "submitted" and a.score == 0 for a in attempts)
    per_user = Counter(a.user_id for a in attempts)
    for user_id, count in per_user.items():
        numbers = sorted(a.number for a in attempts if a.user_id == user_id)
        assert numbers == list(range(1, count + 1))  # no gap, no duplicate
    # Each attempt was graded once: one item per attempt, each with a recorded result.
    assert session.scalar(select(func.count(AttemptItem.id))) == len(attempts)
    assert (
        session.scalar(select(func.count(AttemptItem.id)).where(AttemptItem.correct.is_(None))) == 0
    )
    assert len(attempts) >= SUBMISSIONS * len(users)
