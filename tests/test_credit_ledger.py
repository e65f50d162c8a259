"""The credit ledger: each completion writes one explained entry under the rule in force, in the
same transaction; awards never change afterwards; every total is the sum of the entries."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.credits import store
from app.credits.ledger import award_completions
from app.db import db
from app.i18n import local_now
from app.models import AuditEvent, Course, CreditEntry, CreditRule, Enrollment, User
from app.progress import recording as progress
from tests import factories
from tests.conftest import Auth, csrf_from

COURSE = (
    "---\nid: {id}\ntitle: Course {id}\nsummary: S.\nlanguage: en\ncredit_hours: {hours}\n"
    "status: published\n---\nOverview.\n"
)
READ = "---\ntitle: Read\nminutes: {minutes}\n---\nJust text.\n"
QUIZ = (
    "---\ntitle: Closing test\nminutes: 22\n---\n::: quiz\nid: q1\ntype: truefalse\n\nTrue?\n\n"
    "= true\n:::\n"
)
BANDS = """\
year: {year}
method: bands
bands:
  - {{from: 0, to: 15, hours: 0.25}}
  - {{from: 15, to: 30, hours: 0.5}}
  - {{from: 30, hours: 1}}
closing_test_bonus: 0.5
"""


def files(slug: str = "c1", *, hours: float = 6.5, minutes: int = 40, quiz: bool = True) -> dict:
    """A course of a reading lesson and (by default) a closing test: 62 minutes in all."""
    course = {"course.md": COURSE.format(id=slug, hours=hours), "01-m/01-read.md": READ.format(
        minutes=minutes)}
    if quiz:
        course["01-m/02-quiz.md"] = QUIZ
    return course


def complete_course(client, slug: str = "c1", *, quiz: bool = True):  # noqa: ANN001, ANN201
    """Read the first lesson and pass the closing test, as a learner does."""
    page = client.get(f"/courses/{slug}/lessons/read")
    response = client.post(
        f"/courses/{slug}/lessons/read/complete", data={"csrf_token": csrf_from(page.text)}
    )
    if quiz:
        page = client.get(f"/courses/{slug}/lessons/quiz").text
        token = re.search(r'name="attempt_token" value="([^"]+)"', page).group(1)
        response = client.post(
            f"/courses/{slug}/lessons/quiz/quiz",
            data={"csrf_token": csrf_from(page), "attempt_token": token, "q-q1": "true"},
        )
    return response


def load_rule(app, text: str) -> None:  # noqa: ANN001
    """Load a rule as `credits rules load` does, in a transaction of its own."""
    with app.app_context():
        writer = db.new_session()
        store.load_rule(writer, text, actor=None, replace=True)
        writer.commit()
        writer.close()


@pytest.fixture
def learner(sync_course, session, auth):
    unit = factories.unit(session, "CITY")
    factories.user(session, "ann", unit=unit)
    factories.user(session, "hana", roles={"hr"}, unit=unit)
    sync_course(files(), folder="c1")
    auth.login("ann")


def entries(session) -> list[CreditEntry]:  # noqa: ANN001
    return list(session.scalars(select(CreditEntry).order_by(CreditEntry.id)))


def test_without_a_rule_a_completion_earns_the_declared_hours(client, learner, session):
    complete_course(client)
    [entry] = entries(session)
    assert (entry.source, entry.hours, entry.rule_id) == ("course_completion", 6.5, None)
    assert entry.explanation == [{"kind": "declared", "hours": 6.5}]
    assert entry.year == local_now_year(client)
    enrollment = session.scalar(select(Enrollment))
    assert entry.enrollment_id == enrollment.id
    assert entry.course_version == enrollment.completed_version
    assert enrollment.credit_hours_awarded == 6.5


def local_now_year(client) -> int:  # noqa: ANN001
    with client.application.app_context():
        return local_now().year


def test_a_completion_under_bands_records_the_rule_and_explains_itself(
    app, client, learner, session
):
    load_rule(app, BANDS.format(year=local_now_year(client)))
    complete_course(client)
    assert "1.5 of 50 credit hours" in client.get("/").text
    [entry] = entries(session)
    rule = session.scalar(select(CreditRule))
    assert (entry.hours, entry.rule_id) == (1.5, rule.id)
    assert [part["kind"] for part in entry.explanation] == ["band", "closing_test"]
    page = client.get("/me/credits").text
    assert "Course length 62 min ≥ 30 min: 1 h; Passed the closing test: +0.5" in page
    assert f"rule of {rule.year}, version 1" in page
    assert "1.5 of 50 credit hours" in page
    client.post("/language/zh", data={"csrf_token": csrf_from(page)})
    page = client.get("/me/credits").text
    assert "课程时长 62 分钟 ≥ 30 分钟：1 学时；通过结业测试：+0.5" in page


def test_a_course_without_a_closing_test_earns_no_bonus(app, client, sync_course, learner, session):
    load_rule(app, BANDS.format(year=local_now_year(client)))
    sync_course(files("short", minutes=20, quiz=False), folder="short")
    response = complete_course(client, "short", quiz=False)
    assert "0.5 credit hours awarded" in client.get(response.headers["Location"]).text
    [entry] = entries(session)
    assert entry.hours == 0.5
    assert entry.explanation == [
        {"kind": "band", "minutes": 20, "from": 15, "to": 30, "hours": 0.5}
    ]


def test_a_resync_that_changes_a_course_leaves_awards_made_as_they_were(
    app, client, sync_course, learner, session
):
    complete_course(client)
    sync_course(files(hours=2, minutes=5), folder="c1")
    assert session.scalar(select(Course.credit_hours)) == 2
    [entry] = entries(session)
    assert (entry.hours, entry.explanation) == (6.5, [{"kind": "declared", "hours": 6.5}])
    assert entry.course_version < session.scalar(select(Course.version))
    assert "6.5 of 50 credit hours" in client.get("/").text


def test_a_completion_is_awarded_once_per_enrollment(app, client, learner, session):
    complete_course(client)
    enrollment = session.scalar(select(Enrollment))
    course = session.scalar(select(Course))
    with app.app_context(), pytest.raises(IntegrityError):
        writer = db.new_session()
        try:
            award_completions(
                writer, course, [(enrollment.id, enrollment.user_id)], at=enrollment.completed_at
            )
        finally:
            writer.rollback()
            writer.close()
    assert len(entries(session)) == 1


def test_the_yearly_cap_is_applied_when_writing_and_said(
    app, client, sync_course, learner, session
):
    year = local_now_year(client)
    load_rule(app, f"year: {year}\nmethod: declared\ncap_per_year: 8\n")
    sync_course(files("c2", hours=3), folder="c2")
    complete_course(client, "c1")
    complete_course(client, "c2")
    first, second = entries(session)
    assert (first.hours, second.hours) == (6.5, 1.5)
    assert second.explanation[-1] == {"kind": "year_cap", "cap": 8.0, "earned": 6.5, "hours": 1.5}
    assert "Yearly cap 8 h, 6.5 h already earned: 1.5 h counted" in client.get("/me/credits").text


def test_the_rule_in_force_at_completion_applies_across_a_year_boundary(
    app, sync_course, session
):
    sync_course(files(), folder="c1")
    ann, bob = factories.user(session, "ann"), factories.user(session, "bob")
    course = session.scalar(select(Course))
    first, second = progress.enroll(session, ann, course), progress.enroll(session, bob, course)
    session.commit()
    load_rule(app, "year: 2026\nmethod: declared\n")
    load_rule(app, BANDS.format(year=2027))
    with app.app_context():  # TIMEZONE is Asia/Shanghai: UTC+8
        writer = db.new_session()
        course = writer.get(Course, course.id)
        before = award_completions(
            writer, course, [(first.id, ann.id)], at=datetime(2026, 12, 31, 15, 30, tzinfo=UTC)
        )
        after = award_completions(
            writer, course, [(second.id, bob.id)], at=datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
        )
        writer.commit()
        writer.close()
    # Bob never passed the closing test (no progress in it): the band alone.
    assert (before[first.id], after[second.id]) == (6.5, 1.0)
    old, new = entries(session)
    assert (old.year, old.rule.year, new.year, new.rule.year) == (2026, 2026, 2027, 2027)


def test_totals_everywhere_are_the_sum_of_the_entries(app, client, runner, learner, session):
    complete_course(client)
    year = local_now_year(client)
    for hours, reason in (("2", "Provincial seminar"), ("-0.5", "Duplicate record")):
        result = runner.invoke(args=["credits", "adjust", "ann", hours, "--reason", reason])
        assert result.exit_code == 0, result.output
    total = session.scalar(select(func.sum(CreditEntry.hours)).where(CreditEntry.year == year))
    assert total == 8.0
    assert "8 of 50 credit hours" in client.get("/").text
    mine = client.get("/me/credits").text
    assert "8 of 50 credit hours" in mine
    assert "Adjusted by an administrator: Duplicate record" in mine
    hr = app.test_client()
    Auth(hr).login("hana")
    record = hr.get("/reports/units/CITY/learners/ann").text
    assert "Credit hours earned: 8." in record
    assert "Provincial seminar" in record
    report = hr.get("/reports/units/CITY?format=csv").text
    total = list(csv.DictReader(io.StringIO(report.lstrip("\ufeff"))))[-1]
    assert (total["row_kind"], total["credit_hours"]) == ("total", "8.0")


def test_an_adjustment_is_refused_without_a_reason_or_below_zero(client, runner, learner, session):
    no_reason = runner.invoke(args=["credits", "adjust", "ann", "2", "--reason", "  "])
    assert no_reason.exit_code == 1 and "Give the reason" in no_reason.output
    below = runner.invoke(args=["credits", "adjust", "ann", "-1", "--reason", "Oops"])
    assert below.exit_code == 1 and "cannot take the year below 0" in below.output
    zero = runner.invoke(args=["credits", "adjust", "ann", "0", "--reason", "Nothing"])
    assert zero.exit_code == 1
    assert entries(session) == []
    assert session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "credit_hours_adjusted")
    ) == 0


def test_an_adjustment_is_audit_logged(runner, learner, session):
    result = runner.invoke(
        args=["credits", "adjust", "ann", "1.5", "--reason", "Party school course", "--year",
              "2025"]
    )
    assert result.exit_code == 0, result.output
    [entry] = entries(session)
    assert (entry.year, entry.hours, entry.source, entry.reason) == (
        2025, 1.5, "manual_adjustment", "Party school course"
    )
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "credit_hours_adjusted"))
    assert (event.subject, event.details["hours"], event.details["year"]) == ("ann", 1.5, 2025)


def test_my_credits_page_shows_the_chosen_year(client, runner, learner, session):
    runner.invoke(args=["credits", "adjust", "ann", "3", "--reason", "Old seminar", "--year",
                        "2025"])
    page = client.get("/me/credits").text
    assert "No credit hours recorded in" in page
    assert 'href="/me/credits?year=2025"' in page
    page = client.get("/me/credits?year=2025").text
    assert "Old seminar" in page and "3 of 50 credit hours" in page
    # A year that makes no sense shows the current one.
    assert f"Credit hours in {local_now_year(client)}" in client.get("/me/credits?year=99").text


def test_backfill_records_completions_written_around_the_app(app, runner, learner, session):
    ann = session.scalar(select(User).where(User.username == "ann"))
    course = session.scalar(select(Course))
    session.add(
        Enrollment(
            user_id=ann.id, course_id=course.id, status="completed", completed_lessons=2,
            percent=100, completed_at=datetime(2025, 6, 1, tzinfo=UTC), completed_version=1,
            credit_hours_awarded=4,
        )
    )
    result = runner.invoke(args=["credits", "backfill"])
    assert "1 completion(s) recorded" in result.output
    [entry] = entries(session)
    assert (entry.year, entry.hours, entry.explanation[-1]) == (2025, 4, {"kind": "backfilled"})
    assert "0 completion(s) recorded" in runner.invoke(args=["credits", "backfill"]).output


def test_an_administrator_adjusts_hours_on_the_learner_record(app, client, learner, session):
    boss = factories.user(session, "boss", roles={"admin"})
    admin = app.test_client()
    Auth(admin).login("boss")
    url = "/reports/units/CITY/learners/ann"
    page = admin.get(url).text
    assert "Adjust credit hours" in page
    refused = admin.post(
        f"{url}/credit-adjustments",
        data={"csrf_token": csrf_from(page), "hours": "-2", "year": "2026", "reason": "Error"},
    )
    assert refused.status_code == 422 and "cannot take the year below 0" in refused.text
    done = admin.post(
        f"{url}/credit-adjustments",
        data={"csrf_token": csrf_from(page), "hours": "2.5", "year": "2026",
              "reason": "Provincial seminar"},
    )
    assert done.status_code == 302 and "year=2026" in done.headers["Location"]
    shown = admin.get(done.headers["Location"]).text
    assert "2.5 credit hours recorded for Ann in 2026." in shown
    assert "Adjusted by Boss: Provincial seminar" in shown
    [entry] = entries(session)
    assert (entry.hours, entry.created_by_id, entry.year) == (2.5, boss.id, 2026)
    # HR see the record, not the form; the learner sees the entry on their own page.
    hr = app.test_client()
    Auth(hr).login("hana")
    assert "Adjust credit hours" not in hr.get(url).text
    assert "Provincial seminar" in client.get("/me/credits?year=2026").text
