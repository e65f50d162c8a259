"""The public check /verify/<code>: no sign-in, what it shows (name masked, nothing more), codes
read however they are typed, the same 404 for unknown and malformed codes, and the throttle
per address."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import select

from app.certificates.codes import grouped, normalise
from app.certificates.verify import masked_name
from app.models import AuditEvent, Certificate
from app.progress.certificates import new_code
from tests import factories
from tests.conftest import Auth

MISSES = 4


@pytest.fixture
def certificate(app, session) -> Certificate:
    """A course certificate of 李小明 (username li) of 市数据局."""
    app.config["VERIFY_MAX_MISSES"] = MISSES
    unit = factories.unit(session, "SJJ", name="市数据局")
    li = factories.user(session, "li", unit=unit, full_name="李小明")
    issued = Certificate(
        code=new_code(),
        kind="course",
        user_id=li.id,
        learner_name="李小明",
        unit_name="市数据局",
        title="数据要素与共享平台",
        hours=2.5,
        completed_at=datetime(2025, 3, 1, 20, tzinfo=UTC),  # 2 March in Beijing
        issued_at=datetime(2025, 3, 1, 20, tzinfo=UTC),
    )
    session.add(issued)
    session.flush()
    return issued


def test_names_are_masked_after_their_first_character():
    assert masked_name("李小明") == "李**"
    assert masked_name("欧阳娜娜") == "欧***"
    assert masked_name("Wang Fang") == "W********"
    assert masked_name("  Ann ") == "A**"
    assert masked_name("") == ""


def test_a_code_is_read_however_it_is_typed():
    code = "ABCDEFGHIJKLMNOPQRS7"
    assert grouped(code) == "ABCDE-FGHIJ-KLMNO-PQRS7"
    for typed in (
        code,
        code.lower(),
        grouped(code),
        " abcde fghij klmno pqrs7 ",
        "ABCDE_FGHIJ.KLMNO PQRS7",
        "A8CDEFGH1JKLMN0PQRS7",
    ):
        assert normalise(typed) == code, typed


def test_anyone_sees_a_valid_certificate_with_the_name_masked(app, certificate):
    response = app.test_client().get(f"/verify/{certificate.code}")
    assert response.status_code == 200
    page = response.text
    for shown in (
        "This certificate is valid.",
        "Course certificate",
        "数据要素与共享平台",
        "Mar 2, 2025",
        "2.5",
        "市数据局",
        "李**",
    ):
        assert shown in page, shown
    assert "李小明" not in page and ">li<" not in page and "/reports" not in page
    assert '<meta name="robots" content="noindex">' in page
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_the_check_reads_codes_typed_in_groups_and_lower_case(app, certificate):
    browser = app.test_client()
    for typed in (
        grouped(certificate.code).lower(),
        certificate.code.lower(),
        grouped(certificate.code).replace("-", " "),
    ):
        response = browser.get(f"/verify/{typed}")
        assert response.status_code == 200 and "李**" in response.text, typed


def test_signed_in_visitors_see_the_same_page(app, certificate, session):
    factories.user(session, "bob")
    browser = app.test_client()
    Auth(browser).login("bob")
    assert "李**" in browser.get(f"/verify/{certificate.code}").text


def test_the_page_is_in_chinese_for_a_chinese_browser(app, certificate):
    page = (
        app.test_client()
        .get(f"/verify/{certificate.code}", headers={"Accept-Language": "zh-CN"})
        .text
    )
    assert "该证书有效。" in page and "课程结业证书" in page and "2025年3月2日" in page


def _comparable(page: str, path: str) -> str:
    """A page with what differs between any two requests taken out: the CSRF tokens of the
    header's forms and the address asked for (the language switch sends you back there)."""
    page = re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', page)
    return page.replace(str(escape(path)), "{path}")


def test_unknown_and_malformed_codes_get_the_same_404_as_any_missing_page(app, certificate):
    browser = app.test_client()
    pages = {}
    for path in (
        "/verify/" + new_code(),
        "/verify/not-a-code",
        "/verify/%3Cscript%3E/x",
        "/verify/" + "A" * 300,
        "/no-such-page",
    ):
        response = browser.get(path)
        assert response.status_code == 404, path
        shown = path.replace("%3C", "<").replace("%3E", ">")
        pages[path] = _comparable(response.text, shown)
    assert len(set(pages.values())) == 1, pages.keys()
    assert "Page not found" in next(iter(pages.values()))


def test_each_miss_is_counted_against_the_address_in_the_audit_log(app, certificate, session):
    app.test_client().get("/verify/not-a-code")
    [event] = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "certificate_code_unknown")
    ).all()
    assert (event.subject, event.address) == ("not-a-code", "127.0.0.1")


def test_too_many_misses_from_one_address_are_refused_and_others_are_not(app, certificate):
    prober = app.test_client()
    for number in range(MISSES):
        assert prober.get(f"/verify/guess-{number}").status_code == 404
    refused = prober.get(f"/verify/{certificate.code}")  # even a real code now
    assert refused.status_code == 429
    assert "Wait 10 minutes and try again." in refused.text
    assert 590 <= int(refused.headers["Retry-After"]) <= 600
    assert prober.get("/verify/guess-x").status_code == 429
    other = app.test_client()
    elsewhere = {"REMOTE_ADDR": "10.1.2.3"}
    assert other.get(f"/verify/{certificate.code}", environ_base=elsewhere).status_code == 200
    assert other.get("/verify/guess-y", environ_base=elsewhere).status_code == 404
    chinese = prober.get("/verify/x", headers={"Accept-Language": "zh-CN"})
    assert chinese.status_code == 429 and "请等待 10 分钟后再试" in chinese.text


def test_refused_checks_do_not_lengthen_the_wait_and_it_ends(app, certificate, session):
    prober = app.test_client()
    for number in range(MISSES):
        prober.get(f"/verify/guess-{number}")
    for _ in range(3):
        assert prober.get("/verify/again").status_code == 429
    misses = select(AuditEvent).where(AuditEvent.action == "certificate_code_unknown")
    assert len(session.scalars(misses).all()) == MISSES
    # Nine minutes later one minute is left; eleven minutes later the window has passed.
    for minutes, answer in ((9, "Wait 1 minute and try again."), (2, "This certificate is")):
        for event in session.scalars(misses):
            event.created_at -= timedelta(minutes=minutes)
        assert answer in prober.get(f"/verify/{certificate.code}").text


def test_a_transcript_certificate_shows_its_year_entries_and_total(app, certificate, session):
    record = Certificate(
        code=new_code(),
        kind="transcript",
        user_id=certificate.user_id,
        year=2025,
        entry_count=12,
        learner_name="李小明",
        unit_name="市数据局",
        title="2025 年学习档案",
        hours=51.5,
        completed_at=datetime(2025, 12, 30, 2, tzinfo=UTC),
        issued_at=datetime(2025, 12, 30, 2, tzinfo=UTC),
    )
    session.add(record)
    session.flush()
    page = app.test_client().get(f"/verify/{record.code}").text
    assert "Learning record 2025, 12 entries, 51.5 h, as of Dec 30, 2025" in page
    assert "李**" in page and "市数据局" in page
