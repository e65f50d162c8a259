"""Extra quiz attempts: how many are allowed, who may grant them, the learner record page,
granting over HTTP, and a learner who used every attempt getting one and passing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, func, select

from app.assignments.services import assign
from app.db import db
from app.models import AttemptGrant, AuditEvent, Course, Lesson, QuizAttempt, Unit, User
from app.models.types import utcnow
from app.quiz import attempts, grants, submission
from tests import factories
from tests.conftest import Auth, csrf_from

COURSE = (
    "---\nid: {id}\ntitle: Course {id}\nsummary: S.\nlanguage: en\ncredit_hours: 2\n"
    "status: published\n---\nOverview.\n"
)
QUESTION = "::: quiz\nid: {id}\ntype: truefalse\n\nThe statement {id} is true.\n\n= true\n:::\n"
LIMITED = "---\ntitle: Limited quiz\nminutes: 5\nmax_attempts: 1\npass_percent: 100\n---\n" + (
    QUESTION.format(id="q1")
)
UNLIMITED = "---\ntitle: Open quiz\nminutes: 5\n---\n" + QUESTION.format(id="q2")
READ = "---\ntitle: Reading\nminutes: 5\n---\nJust text.\n"
FILES = {
    "course.md": COURSE.format(id="c1"),
    "01-m/01-limited.md": LIMITED,
    "01-m/02-open.md": UNLIMITED,
    "01-m/03-read.md": READ,
}
LESSON_URL = "/courses/c1/lessons/limited"
RECORD = "/reports/units/CITY/learners/ann"


@pytest.fixture
def org(sync_course):
    """CITY > COUNTY and OTHER; ann learns in COUNTY; HR of CITY and of OTHER, a trainer, an
    admin; course c1 assigned to CITY."""
    sync_course(FILES, folder="c1")
    w = db.new_session()
    city = factories.unit(w, "CITY", "City")
    county = factories.unit(w, "COUNTY", "County", parent=city)
    other = factories.unit(w, "OTHER", "Other")
    course = w.scalar(select(Course).where(Course.slug == "c1"))
    assign(w, city, course, due_date=None)
    factories.user(w, "ann", unit=county, full_name="Ann Lee")
    factories.user(w, "bob", unit=other, full_name="Bob Other")
    factories.user(w, "hr", roles={"hr"}, unit=city, full_name="Zhang Wei")
    factories.user(w, "hr_other", roles={"hr"}, unit=other)
    factories.user(w, "trainer", roles={"trainer"}, unit=other)
    factories.user(w, "admin", roles={"admin"}, unit=other)
    w.commit()
    w.close()


def _people(session, *names):  # noqa: ANN001, ANN002, ANN202
    found = {
        u.username: u
        for u in session.scalars(select(User).where(User.username.in_(names))).unique()
    }
    return [found[name] for name in names]


def _lesson(session, slug="limited"):  # noqa: ANN001, ANN202
    course = session.scalar(select(Course).where(Course.slug == "c1"))
    lesson = session.scalar(
        select(Lesson).where(Lesson.course_id == course.id, Lesson.slug == slug)
    )
    return course, lesson


def _signed_in(app, username):  # noqa: ANN001, ANN202
    client = app.test_client()
    assert Auth(client).login(username).status_code == 302
    return client


def _answer(client, answer: str):  # noqa: ANN001, ANN202
    """Open the limited quiz and submit `answer`; the result page's response."""
    page = client.get(LESSON_URL).text
    if 'name="attempt_token"' not in page and f'action="{LESSON_URL}/quiz/start"' in page:
        # An attempt-limited quiz may start from its start page (a POST) instead of on view.
        client.post(f"{LESSON_URL}/quiz/start", data={"csrf_token": csrf_from(page)})
        page = client.get(LESSON_URL).text
    token = re.search(r'name="attempt_token" value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf_from(page), "attempt_token": token, "q-q1": answer}
    response = client.post(f"{LESSON_URL}/quiz", data=data)
    assert response.status_code == 302
    return client.get(response.headers["Location"])


def _grant_form(page: str, count: int = 1, reason: str = "Was ill on the day") -> dict:
    return {
        "csrf_token": csrf_from(page),
        "course": "c1",
        "lesson": "limited",
        "count": str(count),
        "reason": reason,
    }


# The service ---------------------------------------------------------------------------------


def test_attempts_allowed_adds_grants_to_the_limit_and_unlimited_stays_unlimited():
    assert grants.attempts_allowed(2, 0) == 2
    assert grants.attempts_allowed(2, 3) == 5
    assert grants.attempts_allowed(0, 3) == 0


def test_a_grant_adds_to_the_attempts_allowed_and_reopens_an_exhausted_quiz(org, session):
    ann, hr = _people(session, "ann", "hr")
    course, lesson = _lesson(session)
    attempts.open_state(session, ann, course, lesson)
    state = attempts.open_state(session, ann, course, lesson)
    submission.submit(session, ann, course, lesson, state.attempt.token, {"q-q1": "false"})
    assert attempts.read_state(session, ann, lesson).exhausted

    grants.grant_attempts(session, ann, course, lesson, count=2, reason="Ill", granted_by=hr)
    state = attempts.read_state(session, ann, lesson)
    assert not state.exhausted and state.can_start and state.left == 2
    assert state.allowed == 3 == grants.allowed_for(session, ann, lesson)
    assert state.latest_grant.count == 2
    assert (state.latest_grant.granted_by, state.latest_grant.reason) == ("Zhang Wei", "Ill")
    assert attempts.open_state(session, ann, course, lesson).attempt.number == 2


def test_the_newest_grant_is_the_one_the_learner_is_told_about(org, session):
    ann, hr, admin = _people(session, "ann", "hr", "admin")
    course, lesson = _lesson(session)
    grants.grant_attempts(session, ann, course, lesson, count=1, reason="First", granted_by=hr)
    grants.grant_attempts(session, ann, course, lesson, count=2, reason="Later", granted_by=None)
    state = attempts.read_state(session, ann, lesson)
    assert state.allowed == 4
    assert (state.latest_grant.count, state.latest_grant.reason) == (2, "Later")
    assert state.latest_grant.granted_by is None


@pytest.mark.parametrize(
    ("granter", "allowed"),
    [("admin", True), ("trainer", True), ("hr", True), ("hr_other", False), ("bob", False)],
)
def test_who_may_grant(org, session, granter, allowed):
    ann, who = _people(session, "ann", granter)
    assert grants.may_grant(session, who, ann) is allowed


def test_hr_of_another_unit_is_refused_and_nothing_is_written(org, session):
    ann, hr_other = _people(session, "ann", "hr_other")
    course, lesson = _lesson(session)
    with pytest.raises(grants.GrantForbiddenError):
        grants.grant_attempts(
            session, ann, course, lesson, count=1, reason="x", granted_by=hr_other
        )
    assert session.scalar(select(func.count(AttemptGrant.id))) == 0
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "attempts_granted")) is None


def test_a_grant_is_audit_logged_with_who_for_whom_which_lesson_and_why(org, session):
    ann, hr = _people(session, "ann", "hr")
    course, lesson = _lesson(session)
    grants.grant_attempts(
        session, ann, course, lesson, count=2, reason="  Network   failed ", granted_by=hr
    )
    event_ = session.scalar(select(AuditEvent).where(AuditEvent.action == "attempts_granted"))
    assert (event_.actor_id, event_.subject) == (hr.id, "ann")
    assert event_.details == {
        "course": "c1",
        "lesson": "limited",
        "count": 2,
        "reason": "Network failed",
    }


@pytest.mark.parametrize(
    ("slug", "count", "reason", "message"),
    [
        ("read", 1, "r", "has no quiz"),
        ("open", 1, "r", "unlimited attempts"),
        ("limited", 0, "r", "at least one"),
        ("limited", grants.MAX_GRANT_COUNT + 1, "r", "at most"),
        ("limited", 1, "   ", "Give a reason"),
        ("limited", 1, "x" * 501, "500 characters"),
    ],
)
def test_a_grant_that_makes_no_sense_is_refused_with_a_reason(
    org, session, slug, count, reason, message
):
    ann, admin = _people(session, "ann", "admin")
    course, lesson = _lesson(session, slug)
    with pytest.raises(grants.GrantError, match=message):
        grants.grant_attempts(
            session, ann, course, lesson, count=count, reason=reason, granted_by=admin
        )


def test_nobody_grants_attempts_to_themselves(org, session):
    (admin,) = _people(session, "admin")
    course, lesson = _lesson(session)
    with pytest.raises(grants.GrantError, match="yourself"):
        grants.grant_attempts(session, admin, course, lesson, count=1, reason="r", granted_by=admin)


def test_the_schema_refuses_a_zero_count_and_an_empty_reason(org, session):
    from sqlalchemy.exc import IntegrityError

    ann, admin = _people(session, "ann", "admin")
    _course, lesson = _lesson(session)
    for count, reason in ((0, "r"), (1, "  ")):
        session.add(AttemptGrant(user_id=ann.id, lesson_id=lesson.id, count=count, reason=reason))
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()


# The learner record page ---------------------------------------------------------------------


def test_record_page_shows_courses_lessons_attempts_and_credit_hours(app, org):
    ann = _signed_in(app, "ann")
    _answer(ann, "false")
    page = _signed_in(app, "hr").get(RECORD)
    assert page.status_code == 200
    text = page.text
    assert "Learning record: Ann Lee" in text
    assert "Course c1" in text and "In progress" in text
    assert "Limited quiz" in text and "Open quiz" in text and "Reading" in text
    assert "1 of 1 attempt used." in text
    assert "Attempt 1:" in text and "0%" in text and "Not passed" in text
    assert "Credit hours earned: 0." in text
    assert "Grant more attempts" in text
    # Only the attempt-limited quiz has a grant form.
    assert len(re.findall(r'name="reason"', text)) == 1


@pytest.mark.parametrize("who", ["hr_other", "ann", "trainer"])
def test_record_page_is_404_for_anyone_outside_the_learners_subtree(app, org, who):
    client = _signed_in(app, who)
    assert client.get(RECORD).status_code == 404
    assert client.get("/reports/units/CITY/learners/nobody").status_code == 404


def test_record_page_is_404_for_a_learner_outside_the_unit_in_the_url(app, org):
    admin = _signed_in(app, "admin")
    assert admin.get("/reports/units/OTHER/learners/ann").status_code == 404
    assert admin.get("/reports/units/COUNTY/learners/ann").status_code == 200


def test_learners_list_links_each_username_to_the_record(app, org):
    page = _signed_in(app, "hr").get("/reports/units/CITY/learners").text
    assert f'href="{RECORD}"' in page


def _statements(client, path: str) -> list[str]:  # noqa: ANN001
    """The SQL statements one GET runs (transaction control left out)."""
    seen: list[str] = []

    def listener(*args) -> None:  # noqa: ANN002
        seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    control = ("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT")
    return [s for s in seen if not s.lstrip().upper().startswith(control)]


def test_record_page_queries_do_not_grow_with_attempts_and_grants(app, org, session):
    ann, hr = _people(session, "ann", "hr")
    course, lesson = _lesson(session)
    hr_client = _signed_in(app, "hr")
    before = len(_statements(hr_client, RECORD))
    session.rollback()  # a fresh transaction: the sign-in above wrote since this one began
    for n in range(1, 16):
        session.add(
            QuizAttempt(
                user_id=ann.id,
                lesson_id=lesson.id,
                course_id=course.id,
                number=n,
                token=f"t{n}",
                status="submitted",
                submitted_at=utcnow(),
                score=0.0,
                passed=False,
                pass_percent=100,
            )
        )
        grants.grant_attempts(session, ann, course, lesson, count=1, reason=f"r{n}", granted_by=hr)
    session.commit()
    assert len(_statements(hr_client, RECORD)) == before
    page = hr_client.get(RECORD).text
    assert "The newest 10 of 15 attempts." in page
    assert "The newest 10 of 15 grants." in page
    assert "15 of 16 attempts used." in page


# Granting over HTTP --------------------------------------------------------------------------


def test_grant_post_grants_audits_and_goes_back_to_the_record(app, org, session):
    hr = _signed_in(app, "hr")
    page = hr.get(RECORD).text
    response = hr.post(f"{RECORD}/attempt-grants?page=1", data=_grant_form(page, 2))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"{RECORD}?page=1#lesson-")
    back = hr.get(response.headers["Location"]).text
    assert "2 more attempts granted to Ann Lee for “Limited quiz”." in back
    assert "2 more attempts granted by Zhang Wei on" in back and "Was ill on the day" in back
    session.rollback()
    grant = session.scalar(select(AttemptGrant))
    (hr_user,) = _people(session, "hr")
    assert (grant.count, grant.reason, grant.granted_by) == (2, "Was ill on the day", hr_user.id)
    audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "attempts_granted"))
    assert audit.actor_id == hr_user.id and audit.subject == "ann"


@pytest.mark.parametrize(
    ("count", "reason", "message"),
    [("0", "r", "Number must be between 1 and 10."), ("1", "", "This field is required.")],
)
def test_a_wrong_grant_form_is_shown_again_with_its_error(
    app, org, session, count, reason, message
):
    hr = _signed_in(app, "hr")
    page = hr.get(RECORD).text
    data = _grant_form(page, reason=reason) | {"count": count}
    response = hr.post(f"{RECORD}/attempt-grants", data=data)
    assert response.status_code == 422
    assert message in response.text
    assert '<details class="grant" open>' in response.text
    session.rollback()
    assert session.scalar(select(func.count(AttemptGrant.id))) == 0


def test_grant_post_for_a_learner_outside_ones_subtree_is_404(app, org, session):
    other = _signed_in(app, "hr_other")
    page = other.get("/account/password").text
    response = other.post(f"{RECORD}/attempt-grants", data=_grant_form(page))
    assert response.status_code == 404
    session.rollback()
    assert session.scalar(select(func.count(AttemptGrant.id))) == 0


def test_a_learner_who_used_every_attempt_gets_one_and_passes(app, org, session):
    ann = _signed_in(app, "ann")
    result = _answer(ann, "false")
    assert "your training officer can grant you another attempt" in result.text
    lesson_page = ann.get(LESSON_URL).text
    assert "You have used all 1 attempts" in lesson_page
    assert "your training officer can grant you another attempt" in lesson_page
    assert 'name="attempt_token"' not in lesson_page

    hr = _signed_in(app, "hr")
    page = hr.get(RECORD).text
    reason = "Power cut <b>in</b> the office"
    assert (
        hr.post(f"{RECORD}/attempt-grants", data=_grant_form(page, reason=reason)).status_code
        == 302
    )

    lesson_page = ann.get(LESSON_URL).text
    assert "1 more attempt granted by Zhang Wei: Power cut &lt;b&gt;in&lt;/b&gt; the office" in (
        lesson_page
    )
    result = _answer(ann, "true")
    assert "Result of attempt 2" in result.text
    assert "Passed. The lesson is complete." in result.text
    session.rollback()
    assert session.scalar(select(func.count(QuizAttempt.id))) == 2


def test_a_limited_quiz_with_grants_keeps_the_lesson_page_query_budget(app, org, session):
    ann_user, hr = _people(session, "ann", "hr")
    course, lesson = _lesson(session)
    grants.grant_attempts(session, ann_user, course, lesson, count=1, reason="r", granted_by=hr)
    session.commit()
    ann = _signed_in(app, "ann")
    page = ann.get(LESSON_URL).text  # the first visit writes
    assert "1 more attempt granted by Zhang Wei: r" in page
    statements = _statements(ann, LESSON_URL)  # the steady state, as tests/test_learning.py
    assert len(statements) <= 6, statements


def test_the_record_shows_assigned_courses_not_started_yet(app, org):
    w = db.new_session()
    county = w.scalar(select(Unit).where(Unit.code == "COUNTY"))
    factories.user(w, "cat", unit=county)
    w.commit()
    w.close()
    page = _signed_in(app, "hr").get("/reports/units/CITY/learners/cat")
    assert page.status_code == 200
    assert "Course c1" in page.text and "Not started" in page.text  # assigned to CITY


def test_the_record_of_someone_without_courses_says_so(app, org):
    page = _signed_in(app, "admin").get("/reports/units/OTHER/learners/bob")
    assert page.status_code == 200
    assert "No courses yet" in page.text


def test_a_quiz_made_unlimited_after_a_grant_stays_unlimited(org, session):
    ann, hr = _people(session, "ann", "hr")
    course, lesson = _lesson(session)
    grants.grant_attempts(session, ann, course, lesson, count=1, reason="r", granted_by=hr)
    lesson.max_attempts = 0  # as a later sync of the course file would
    session.flush()
    state = attempts.read_state(session, ann, lesson)
    assert state.allowed == 0 and not state.exhausted


def test_the_start_page_counts_granted_attempts(app, org, session):
    ann_user, hr = _people(session, "ann", "hr")
    course, lesson = _lesson(session)
    grants.grant_attempts(session, ann_user, course, lesson, count=2, reason="r", granted_by=hr)
    session.commit()
    ann = _signed_in(app, "ann")
    allowed = lesson.max_attempts + 2
    assert f"Attempts left: {allowed} of {allowed}." in ann.get(LESSON_URL).text
