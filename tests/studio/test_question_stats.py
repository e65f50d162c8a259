"""Question statistics: facility and discrimination on a small data set worked out by hand,
option counts, the lesson funnel, and the same number of statements at two sizes."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import select

from app.models import AttemptItem, Course, Lesson, LessonProgress, Question, QuizAttempt
from app.models.types import utcnow
from app.studio import editors, question_stats
from tests.conftest import Auth

COURSE = (
    "---\nid: st1\ntitle: Stats\nsummary: S.\nlanguage: en\ncredit_hours: 1\n"
    "status: published\n---\nOverview.\n"
)
QUIZ = (
    "---\ntitle: Quiz\nminutes: 5\n---\nText.\n\n"
    "::: quiz\nid: q1\ntype: single\n\nPick.\n\n- [x] right\n- [ ] wrong\n- [ ] never\n:::\n\n"
    "::: quiz\nid: q2\ntype: truefalse\n\nTrue?\n\n= true\n:::\n\n"
    "::: quiz\nid: q3\ntype: truefalse\n\nAlso true?\n\n= true\n:::\n"
)
# Points per learner on q1, q2, q3 (each worth 1), and q1's chosen option.
SCORES = {"a": (1, 1, 1, 1), "b": (1, 0, 1, 1), "c": (0, 1, 0, 2), "d": (0, 0, 0, 2)}


@pytest.fixture
def course(sync_course, session):  # noqa: ANN001, ANN201
    sync_course({"course.md": COURSE, "01-m/01-quiz.md": QUIZ})
    return session.scalar(select(Course))


def _attempts(session, make_user, course, scores, prefix=""):  # noqa: ANN001, ANN202
    lesson = session.scalar(select(Lesson).where(Lesson.course_id == course.id))
    questions = {q.slug: q for q in session.scalars(select(Question))}
    for name, (s1, s2, s3, picked) in scores.items():
        user = make_user(prefix + name)
        attempt = QuizAttempt(
            user_id=user.id,
            lesson_id=lesson.id,
            course_id=course.id,
            number=1,
            token=f"{prefix}{name}" + "0" * 20,
            status="submitted",
            pass_percent=80,
            points_earned=s1 + s2 + s3,
            points_possible=3,
            score=(s1 + s2 + s3) / 3,
            submitted_at=utcnow(),
        )
        session.add(attempt)
        session.flush()
        for position, (slug, earned, response) in enumerate(
            [("q1", s1, picked), ("q2", s2, "true" if s2 else "false"), ("q3", s3, "true")], 1
        ):
            question = questions[slug]
            session.add(
                AttemptItem(
                    attempt_id=attempt.id,
                    question_id=question.id,
                    question_version_id=_version_id(session, question),
                    slug=slug,
                    position=position,
                    response=response,
                    correct=bool(earned),
                    points_earned=earned,
                )
            )
        session.add(
            LessonProgress(
                user_id=user.id,
                lesson_id=lesson.id,
                course_id=course.id,
                completed_at=utcnow() if s1 + s2 + s3 >= 2 else None,
                seconds_spent={"a": 120, "b": 300}.get(name, 60),
            )
        )
    session.flush()


def _version_id(session, question):  # noqa: ANN001, ANN202
    from app.models import QuestionVersion

    return session.scalar(
        select(QuestionVersion.id).where(
            QuestionVersion.question_id == question.id,
            QuestionVersion.version == question.version,
        )
    )


def test_facility_and_discrimination_match_the_hand_computation(session, make_user, course):
    _attempts(session, make_user, course, SCORES)
    stats = {s.question.slug: s for s in question_stats.question_stats(session, course)}
    # q1: x = 1,1,0,0; the rest of each attempt (of 2 points) = 1, .5, .5, 0.
    # cov = .5, var x = 1, var rest = .5, so r = .5 / sqrt(.5) = 0.7071.
    assert stats["q1"].answers == 4 and stats["q1"].facility == 0.5
    assert stats["q1"].discrimination == pytest.approx(1 / math.sqrt(2))
    # q2: x = 1,0,1,0 against the rest 1,1,0,0: no correlation at all.
    assert stats["q2"].facility == 0.5 and stats["q2"].discrimination == pytest.approx(0)
    # q3: x = 1,1,0,0 against the rest 1,.5,.5,0: as q1.
    assert stats["q3"].discrimination == pytest.approx(1 / math.sqrt(2))
    chosen = {o.position: o.chosen for o in stats["q1"].options}
    assert chosen == {1: 2, 2: 2, 3: 0}
    assert stats["q1"].flags == []  # 4 answers: too few to flag anything


def test_flags_need_enough_answers_and_name_the_problem(session, make_user, course):
    many = {f"{k}{n}": v for n in range(2) for k, v in SCORES.items()}
    _attempts(session, make_user, course, many)
    stats = {s.question.slug: s for s in question_stats.question_stats(session, course)}
    assert "unchosen" in stats["q1"].flags  # nobody picked "never"
    assert "weak" in stats["q2"].flags
    assert stats["q3"].flags == []


def test_the_funnel_counts_opened_and_completed_with_the_median_time(session, make_user, course):
    _attempts(session, make_user, course, SCORES)
    (funnel,) = question_stats.lesson_funnels(session, course)
    # a (120 s) and b (300 s) completed: the median of two is their mean, 3.5 minutes.
    assert (funnel.opened, funnel.completed, funnel.median_minutes) == (4, 2, 3.5)


def test_the_page_and_csv_need_the_same_statements_at_two_sizes(
    app, session, make_user, course, count_queries
):
    tina = make_user("tina", roles={"trainer"})
    editors.grant(session, "st1", tina, actor=None)
    _attempts(session, make_user, course, SCORES)
    session.commit()
    client = app.test_client()
    Auth(client).login("tina")
    client.get("/studio/courses/st1/questions")
    with count_queries() as small:
        page = client.get("/studio/courses/st1/questions")
    assert page.status_code == 200 and "0.71" in page.text and "q1" in page.text
    many = {f"{k}{n}": v for n in range(10) for k, v in SCORES.items()}
    _attempts(session, make_user, course, many, prefix="x")
    session.commit()
    with count_queries() as large:
        assert client.get("/studio/courses/st1/questions").status_code == 200
    assert large.count == small.count, large.statements
    csv = client.get("/studio/courses/st1/questions.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0].lstrip("\ufeff").startswith("Question,Type,Answers,Facility,Discrimination")
    assert lines[1].startswith("q1,single,44,0.50,0.71")


def test_learners_and_other_trainers_get_a_404(app, session, make_user, course):
    make_user("otto", roles={"trainer"})
    make_user("lena")
    for name in ("otto", "lena"):
        client = app.test_client()
        Auth(client).login(name)
        assert client.get("/studio/courses/st1/questions").status_code == 404
        assert client.get("/studio/courses/st1/questions.csv").status_code == 404
