"""The learning record (学习档案): every ledger entry of the year with its explanation, the total
against the learner's own target, a QR code of its own certificate (reused while the record is
unchanged), pages that split a long year, and HR's download for learners in scope only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.credits.ledger import write_entry
from app.models import AuditEvent, Certificate, CreditEntry, Enrollment, User
from tests import factories
from tests.conftest import Auth
from tests.test_certificates import (
    ZH,
    complete_lessons,
    course_files,
    embedded_fonts,
    pdf_text,
    poppler,
    qr_codes,
    saved,
)

YEAR = 2025


@pytest.fixture
def learner(app, sync_course, session, auth):
    """Wang Fang (县处级, target 50) of the county office under the city: two courses
    completed and an adjustment in 2025, one entry in 2024; signed in."""
    city = factories.unit(session, "CITY", name="City Data Bureau")
    county = factories.unit(session, "COUNTY", name="County Office", parent=city)
    other = factories.unit(session, "OTHER", name="Other Bureau")
    wang = factories.user(session, "wang", unit=county, full_name="Wang Fang")
    wang.category = "县处级"
    factories.user(session, "hana", roles={"hr"}, unit=city)
    factories.user(session, "otto", roles={"hr"}, unit=other)
    sync_course(course_files("c1", title="Data as a resource", hours=2.5), folder="c1")
    sync_course(course_files("c2", title="Cyber security basics", hours=1.25), folder="c2")
    auth.login("wang")
    return wang


def entry(app, session, user, hours, *, when, reason=None, source="manual_adjustment"):  # noqa: ANN001, ANN201
    """A ledger entry written as the ledger writes one."""
    with app.app_context():
        return write_entry(
            session,
            user,
            hours=hours,
            source=source,
            parts=[{"kind": "manual"}],
            year=when.year,
            at=when,
            reason=reason,
        )


def _year_of_entries(app, client, session, learner) -> None:  # noqa: ANN001
    """The two completions, moved into 2025, and a 2025 adjustment and a 2024 one."""
    complete_lessons(client, "c1")
    complete_lessons(client, "c2")
    for number, row in enumerate(session.scalars(select(CreditEntry)).all()):
        row.year, row.awarded_at = YEAR, datetime(YEAR, 3, 1 + number, 2, tzinfo=UTC)
    for enrollment in session.scalars(select(Enrollment)):
        enrollment.completed_at = datetime(YEAR, 3, 1, 2, tzinfo=UTC)
    entry(
        app,
        session,
        learner,
        3,
        when=datetime(YEAR, 5, 20, 2, tzinfo=UTC),
        reason="Provincial seminar on data sharing",
    )
    entry(
        app,
        session,
        learner,
        9,
        when=datetime(YEAR - 1, 5, 20, 2, tzinfo=UTC),
        reason="Last year's seminar",
    )


def transcripts(session) -> list[Certificate]:  # noqa: ANN001
    return list(
        session.scalars(
            select(Certificate).where(Certificate.kind == "transcript").order_by(Certificate.id)
        )
    )


def test_the_record_lists_every_entry_of_the_year_with_total_target_and_its_own_qr(
    app, client, session, learner, tmp_path
):
    _year_of_entries(app, client, session, learner)
    response = client.get(f"/me/transcript.pdf?year={YEAR}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    path = saved(tmp_path, response.data)
    text = pdf_text(path)
    for shown in (
        "Learningrecord2025",
        "WangFang",
        "CountyOffice",
        "县处级",
        "Coursecompleted:Dataasaresource",
        "2.5",
        "Coursecompleted:Cybersecuritybasics",
        "1.25",
        "Adjustment",
        "Provincialseminarondatasharing",
        "2025-03-01",
        "2025-05-20",
        "Totalin2025:6.75credithours.Target:50credithours.",
        "43.25credithours",
        "3entries",
    ):
        assert shown in text, shown
    assert "Credithourssetbythecourse:2.5h" in text  # the explanation of an entry
    assert "Lastyear" not in text and "2024-05-20" not in text
    [certificate] = transcripts(session)
    assert (certificate.year, certificate.entry_count, certificate.hours) == (YEAR, 3, 6.75)
    url = f"http://localhost/verify/{certificate.code}"
    assert qr_codes(path, tmp_path) == [url] and url in text
    public = app.test_client().get(url.removeprefix("http://localhost"))
    assert public.status_code == 200
    assert "Learning record 2025, 3 entries, 6.75 h, as of" in public.text
    assert "W********" in public.text and "Wang" not in public.text
    assert "County Office" in public.text


def test_the_record_embeds_its_font_and_reads_in_chinese(app, client, session, learner, tmp_path):
    _year_of_entries(app, client, session, learner)
    path = saved(tmp_path, client.get(f"/me/transcript.pdf?year={YEAR}", headers=ZH).data)
    text = pdf_text(path)
    for shown in (
        "2025年学习档案",
        "姓名：WangFang",
        "单位：CountyOffice",
        "类别：县处级",
        "2025年合计：6.75学时。年度目标：50学时。",
        "3条记录",
        "课程设定学时：2.5学时",
    ):
        assert shown in text, shown
    assert embedded_fonts(path) and all("WenQuanYiZenHei" in f for f in embedded_fonts(path))


def test_the_same_record_keeps_its_code_and_a_changed_one_gets_a_new_code(
    app, client, session, learner
):
    _year_of_entries(app, client, session, learner)
    client.get(f"/me/transcript.pdf?year={YEAR}")
    client.get(f"/me/transcript.pdf?year={YEAR}")
    [first] = transcripts(session)
    entry(
        app,
        session,
        session.get(User, learner.id),
        1,
        when=datetime(YEAR, 6, 1, 2, tzinfo=UTC),
        reason="Late correction",
    )
    client.get(f"/me/transcript.pdf?year={YEAR}")
    codes = [t.code for t in transcripts(session)]
    assert len(codes) == 2 and codes[0] == first.code
    assert transcripts(session)[1].entry_count == 4 and transcripts(session)[1].hours == 7.75
    # The earlier record still checks: it is what was certified then.
    assert "3 entries, 6.75 h" in app.test_client().get(f"/verify/{first.code}").text
    # A revoked record is never handed out again.
    latest = transcripts(session)[1]
    latest.revoked_at, latest.revoked_reason = datetime.now(UTC), "test"
    client.get(f"/me/transcript.pdf?year={YEAR}")
    assert len(transcripts(session)) == 3


def test_a_long_record_runs_over_pages_with_the_header_repeated_and_nothing_cut(
    app, client, session, learner, tmp_path
):
    reason = "参加省委党校数字政府建设专题培训班并完成结业考核，" * 6
    start = datetime(YEAR, 1, 2, 2, tzinfo=UTC)
    for number in range(70):
        entry(
            app,
            session,
            learner,
            0.25 + number / 100,
            when=start + timedelta(days=number),
            reason=f"{reason}第{number}次",
        )
    path = saved(tmp_path, client.get(f"/me/transcript.pdf?year={YEAR}").data)
    pages = poppler("pdftotext", path, "-layout").split("\f")[:-1]
    assert len(pages) >= 4
    assert all("How they were counted" in page for page in pages[:-1] if "2025-" in page)
    text = pdf_text(path)
    for number in range(70):
        assert f"{reason}第{number}次" in text, number  # wrapped over lines, never cut
    assert "70entries" in text
    assert f"{len(pages)}/{len(pages)}" in text.replace(" ", "")


def test_hr_of_the_learners_subtree_downloads_the_record_and_it_is_audit_logged(
    app, client, session, learner, tmp_path
):
    _year_of_entries(app, client, session, learner)
    hr = app.test_client()
    Auth(hr).login("hana")
    record = hr.get("/reports/units/CITY/learners/wang").text
    link = "/reports/units/CITY/learners/wang/transcript.pdf?year="
    assert link in record
    response = hr.get(f"/reports/units/CITY/learners/wang/transcript.pdf?year={YEAR}")
    assert response.status_code == 200
    assert "Dataasaresource" in pdf_text(saved(tmp_path, response.data))
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "transcript_downloaded"))
    assert event.subject == "wang" and event.details["year"] == YEAR
    assert event.details["unit"] == "CITY"
    # The learner's own download is not an event.
    client.get(f"/me/transcript.pdf?year={YEAR}")
    assert (
        len(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == "transcript_downloaded")
            ).all()
        )
        == 1
    )


def test_hr_elsewhere_and_a_unit_that_does_not_hold_the_learner_get_404(app, session, learner):
    other = app.test_client()
    Auth(other).login("otto")
    assert other.get("/reports/units/CITY/learners/wang/transcript.pdf").status_code == 404
    assert other.get("/reports/units/OTHER/learners/wang/transcript.pdf").status_code == 404
    hr = app.test_client()
    Auth(hr).login("hana")
    assert hr.get("/reports/units/CITY/learners/nobody/transcript.pdf").status_code == 404
    assert hr.get("/reports/units/OTHER/learners/wang/transcript.pdf").status_code == 404
    assert transcripts(session) == []
    assert (
        session.scalar(select(AuditEvent).where(AuditEvent.action == "transcript_downloaded"))
        is None
    )


def test_a_year_without_entries_says_so(client, session, learner, tmp_path):
    text = pdf_text(saved(tmp_path, client.get("/me/transcript.pdf?year=2031").data))
    assert "Nocredithoursrecordedin2031." in text
    assert "0entries" in text
    [certificate] = transcripts(session)
    assert (certificate.year, certificate.entry_count, certificate.hours) == (2031, 0, 0)
