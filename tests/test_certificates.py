"""Course certificates: issued with the completion (once, in bulk in a bounded number of
queries, lazily for old completions), listed for the learner, downloaded as a PDF whose QR code
decodes to the public check, refused to anyone else, revoked by an administrator."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from app.credits.ledger import backfill_completions
from app.models import (
    AuditEvent,
    Certificate,
    Course,
    CreditEntry,
    Enrollment,
    Lesson,
    LessonProgress,
    User,
)
from app.models.types import utcnow
from app.progress.certificates import CODE_ALPHABET, CODE_LENGTH
from app.reports import pdf_layout
from tests import factories
from tests.conftest import Auth, csrf_from

COURSE = (
    "---\nid: {id}\ntitle: {title}\nsummary: S.\nlanguage: {language}\ncredit_hours: {hours}\n"
    "status: published\n---\nOverview.\n"
)
READ = "---\ntitle: {title}\nminutes: 10\n---\nJust text.\n"
ZH = {"Accept-Language": "zh-CN"}


def course_files(
    slug: str = "c1",
    *,
    title: str = "Data as a resource",
    hours: float = 2.5,
    language: str = "en",
    lessons: tuple[str, ...] = ("a", "b"),
) -> dict:
    """A course of reading lessons (ids a, b...)."""
    files = {"course.md": COURSE.format(id=slug, title=title, language=language, hours=hours)}
    for number, lesson in enumerate(lessons, start=1):
        files[f"01-m/0{number}-{lesson}.md"] = READ.format(title=f"Lesson {lesson}")
    return files


def complete_lessons(client, slug: str = "c1", lessons: tuple[str, ...] = ("a", "b")) -> None:  # noqa: ANN001
    """Read and complete each lesson through the pages, as a learner does."""
    for lesson in lessons:
        page = client.get(f"/courses/{slug}/lessons/{lesson}")
        response = client.post(
            f"/courses/{slug}/lessons/{lesson}/complete",
            data={"csrf_token": csrf_from(page.text)},
        )
        assert response.status_code == 302


def poppler(tool: str, path: Path, *args: str) -> str:
    """A poppler tool's text output for a PDF (pdftotext, pdffonts)."""
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} (poppler-utils) is not installed")
    command = [tool, *args, str(path)] + (["-"] if tool == "pdftotext" else [])
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def saved(tmp_path: Path, data: bytes, name: str = "document.pdf") -> Path:
    """The bytes of a download written to a file."""
    assert data.startswith(b"%PDF"), data[:200]
    path = tmp_path / name
    path.write_bytes(data)
    return path


def qr_codes(path: Path, tmp_path: Path) -> list[str]:
    """What every QR code on page 1 says, read from a 150 dpi rendering as a phone would."""
    stem = tmp_path / "page"
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(path), str(stem)], check=True
    )
    [picture] = list(tmp_path.glob("page*.png"))
    try:
        return [found.text for found in zxingcpp.read_barcodes(Image.open(picture))]
    finally:
        picture.unlink()


def pdf_text(path: Path) -> str:
    """The PDF's text with line breaks and the spaces pdftotext adds between glyphs removed."""
    return re.sub(r"\s+", "", poppler("pdftotext", path))


def embedded_fonts(path: Path) -> list[str]:
    """The pdffonts lines of fonts embedded in the PDF."""
    lines = poppler("pdffonts", path).splitlines()[2:]
    return [line for line in lines if re.search(r"\byes\b\s+(yes|no)\s+(yes|no)\s+\d+", line)]


@pytest.fixture
def learner(sync_course, session, auth):
    """Ann Lee of the city data bureau, signed in; the course c1 of two lessons."""
    unit = factories.unit(session, "CITY", name="City Data Bureau")
    factories.user(session, "ann", unit=unit, full_name="Ann Lee")
    sync_course(course_files(), folder="c1")
    auth.login("ann")


def certificates(session) -> list[Certificate]:  # noqa: ANN001
    return list(session.scalars(select(Certificate).order_by(Certificate.id)))


def test_completing_a_course_through_its_lessons_issues_exactly_one_certificate(
    client, learner, session
):
    complete_lessons(client, lessons=("a",))
    assert certificates(session) == []  # half a course earns nothing
    complete_lessons(client, lessons=("b",))
    [certificate] = certificates(session)
    enrollment = session.scalar(select(Enrollment))
    entry = session.scalar(select(CreditEntry))
    assert (certificate.kind, certificate.enrollment_id) == ("course", enrollment.id)
    assert (certificate.learner_name, certificate.unit_name) == ("Ann Lee", "City Data Bureau")
    assert (certificate.title, certificate.hours) == ("Data as a resource", entry.hours)
    assert certificate.completed_at == enrollment.completed_at
    assert len(certificate.code) == CODE_LENGTH and set(certificate.code) <= set(CODE_ALPHABET)
    # Completing a lesson again, and opening the list, make no second one.
    complete_lessons(client, lessons=("b",))
    assert client.get("/me/certificates").status_code == 200
    assert len(certificates(session)) == 1


def test_codes_differ_and_carry_at_least_80_bits():
    from app.progress.certificates import new_code

    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert CODE_LENGTH * 5 >= 80 and len(CODE_ALPHABET) == 32


def _learners_halfway(session, slug: str, count: int) -> None:  # noqa: ANN001
    """`count` learners who completed lesson a of the course, and only that."""
    course = session.scalar(select(Course).where(Course.slug == slug))
    lesson = session.scalar(select(Lesson).where(Lesson.course_id == course.id, Lesson.slug == "a"))
    unit = factories.unit(session, f"U-{slug}")
    for number in range(count):
        user = factories.user(session, f"{slug}-learner-{number}", unit=unit)
        session.add(
            LessonProgress(
                user_id=user.id, lesson_id=lesson.id, course_id=course.id, completed_at=utcnow()
            )
        )
        session.add(
            Enrollment(
                user_id=user.id,
                course_id=course.id,
                status="in_progress",
                completed_lessons=1,
                percent=50,
                started_at=utcnow(),
            )
        )
    session.flush()


def test_a_sync_that_completes_many_learners_issues_each_a_certificate_in_bounded_queries(
    sync_course, session, count_queries
):
    counts = {}
    for slug, learners in (("few", 2), ("many", 25)):
        sync_course(course_files(slug, title=f"Course {slug}"), folder=slug)
        _learners_halfway(session, slug, learners)
        # Lesson b is removed: the sync archives it, which completes everyone.
        with count_queries() as queries:
            sync_course(course_files(slug, title=f"Course {slug}", lessons=("a",)), folder=slug)
        counts[slug] = queries.count
    issued = session.execute(
        select(Certificate.title, func.count()).group_by(Certificate.title)
    ).all()
    assert sorted(issued) == [("Course few", 2), ("Course many", 25)]
    assert counts["many"] == counts["few"], counts
    # Each certificate is the enrollment's, with its ledger award.
    rows = session.execute(
        select(Certificate.hours, CreditEntry.hours).join(
            CreditEntry, CreditEntry.enrollment_id == Certificate.enrollment_id
        )
    ).all()
    assert len(rows) == 27 and all(mine == awarded for mine, awarded in rows)


def test_completions_made_before_certificates_get_theirs_when_the_list_is_opened(
    client, learner, sync_course, session
):
    sync_course(course_files("old", title="An older course", hours=4), folder="old")
    ann = session.scalar(select(User).where(User.username == "ann"))
    old, c1 = (session.scalar(select(Course).where(Course.slug == s)) for s in ("old", "c1"))
    # One completion with a ledger entry (backfilled, as `demo generate` does), one without.
    session.add(
        Enrollment(
            user_id=ann.id,
            course_id=old.id,
            status="completed",
            completed_lessons=2,
            percent=100,
            completed_version=1,
            completed_at=datetime(2025, 6, 1, 3, tzinfo=UTC),
            credit_hours_awarded=4,
        )
    )
    session.flush()
    with client.application.app_context():
        backfill_completions(session)
    session.add(
        Enrollment(
            user_id=ann.id,
            course_id=c1.id,
            status="completed",
            completed_lessons=2,
            percent=100,
            completed_version=1,
            completed_at=datetime(2024, 3, 9, 3, tzinfo=UTC),
            credit_hours_awarded=1.5,
        )
    )
    assert certificates(session) == []
    page = client.get("/me/certificates").text
    issued = {c.title: c for c in certificates(session)}
    assert set(issued) == {"An older course", "Data as a resource"}
    assert issued["An older course"].hours == 4
    assert issued["An older course"].completed_at == datetime(2025, 6, 1, 3, tzinfo=UTC)
    assert issued["Data as a resource"].hours == 1.5
    assert "Jun 1, 2025" in page and "Mar 9, 2024" in page
    for certificate in issued.values():
        assert certificate.code[:5] in page
    client.get("/me/certificates")
    assert len(certificates(session)) == 2


def test_the_list_says_when_there_are_no_certificates_yet(client, learner):
    page = client.get("/me/certificates").text
    assert "No certificates yet" in page
    assert "/me/transcript.pdf?year=" in page


def test_the_certificate_pdf_shows_what_it_certifies_and_its_qr_opens_the_public_check(
    app, client, learner, session, tmp_path
):
    complete_lessons(client)
    [certificate] = certificates(session)
    page = client.get("/me/certificates").text
    link = f"/me/certificates/{certificate.code}.pdf"
    assert link in page
    response = client.get(link)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    path = saved(tmp_path, response.data)
    url = f"http://localhost/verify/{certificate.code}"
    assert qr_codes(path, tmp_path) == [url]
    text = pdf_text(path)
    grouped = "-".join(certificate.code[i : i + 5] for i in range(0, 20, 5))
    for shown in (
        "Certificateofcompletion",
        "AnnLee",
        "CityDataBureau",
        "Dataasaresource",
        "2.5credithours",
        grouped,
        url,
    ):
        assert shown in text, shown
    # The address in the code answers anyone, signed in or not.
    anonymous = app.test_client().get(url.removeprefix("http://localhost"))
    assert anonymous.status_code == 200
    assert "This certificate is valid." in anonymous.text and "A******" in anonymous.text
    assert "Ann Lee" not in anonymous.text


def test_the_certificate_pdf_embeds_its_chinese_font(client, learner, session, tmp_path):
    if not pdf_layout.CJK_TTF_PATH.exists():
        pytest.fail(f"{pdf_layout.CJK_TTF_PATH} is missing (fonts-wqy-zenhei)")
    complete_lessons(client)
    [certificate] = certificates(session)
    path = saved(tmp_path, client.get(f"/me/certificates/{certificate.code}.pdf").data)
    fonts = poppler("pdffonts", path)
    assert "WenQuanYiZenHei" in fonts
    assert all("WenQuanYiZenHei" in line for line in embedded_fonts(path))
    assert len(embedded_fonts(path)) == len(fonts.splitlines()[2:]) >= 1


def test_a_chinese_learner_gets_a_chinese_certificate(client, sync_course, session, auth, tmp_path):
    unit = factories.unit(session, "SJJ", name="市数据局")
    factories.user(session, "li", unit=unit, full_name="李小明")
    sync_course(
        course_files("zh1", title="数据要素与共享平台", language="zh", hours=3), folder="zh1"
    )
    auth.login("li")
    client.post("/language/zh", data={"csrf_token": csrf_from(client.get("/").text)})
    complete_lessons(client, "zh1")
    [certificate] = certificates(session)
    page = client.get("/me/certificates").text
    assert "我的证书" in page and "有效" in page
    path = saved(tmp_path, client.get(f"/me/certificates/{certificate.code}.pdf").data)
    text = pdf_text(path)
    for shown in ("结业证书", "兹证明", "李小明", "市数据局", "数据要素与共享平台", "3学时"):
        assert shown in text, shown
    assert qr_codes(path, tmp_path) == [f"http://localhost/verify/{certificate.code}"]


def test_a_name_with_extension_b_characters_is_printed_whole(
    client, sync_course, session, auth, tmp_path
):
    unit = factories.unit(session, "SJJ", name="市数据局")
    factories.user(session, "ji", unit=unit, full_name="𠮷哲")  # as imported from GB18030
    sync_course(course_files("zh1", title="数据共享", language="zh", hours=3), folder="zh1")
    auth.login("ji")
    complete_lessons(client, "zh1")
    [certificate] = certificates(session)
    path = saved(tmp_path, client.get(f"/me/certificates/{certificate.code}.pdf").data)
    assert "𠮷哲" in pdf_text(path)
    assert "HanaMin" in poppler("pdffonts", path)  # the 𠮷 is drawn in the fallback font


def test_the_site_address_in_the_qr_code_is_public_base_url_when_set(
    app, client, learner, session, tmp_path
):
    app.config["PUBLIC_BASE_URL"] = "https://academy.example.gov.cn/"
    complete_lessons(client)
    [certificate] = certificates(session)
    path = saved(tmp_path, client.get(f"/me/certificates/{certificate.code}.pdf").data)
    url = f"https://academy.example.gov.cn/verify/{certificate.code}"
    assert qr_codes(path, tmp_path) == [url]
    assert url in pdf_text(path)


def test_nobody_but_the_learner_downloads_their_certificate(app, client, learner, session):
    complete_lessons(client)
    [certificate] = certificates(session)
    factories.user(session, "bob", unit=None)
    factories.user(session, "root", roles={"admin"})
    for other in ("bob", "root"):
        browser = app.test_client()
        Auth(browser).login(other)
        assert browser.get(f"/me/certificates/{certificate.code}.pdf").status_code == 404
        assert certificate.code not in browser.get("/me/certificates").text
    assert app.test_client().get(f"/me/certificates/{certificate.code}.pdf").status_code == 302


@pytest.fixture
def admin(app, session):
    """A signed-in administrator's browser."""
    factories.user(session, "root", roles={"admin"})
    browser = app.test_client()
    Auth(browser).login("root")
    return browser


def test_an_administrator_finds_certificates_by_code_or_username(admin, client, learner, session):
    complete_lessons(client)
    [certificate] = certificates(session)
    grouped = "-".join(certificate.code[i : i + 5] for i in range(0, 20, 5))
    for query in (certificate.code.lower(), grouped, "ann", "ANN"):
        page = admin.get("/admin/certificates", query_string={"q": query}).text
        assert "1 certificate found." in page and grouped in page, query
    assert "0 certificates found." in admin.get("/admin/certificates?q=nobody").text


def test_revoking_asks_for_a_reason_then_shows_revoked_everywhere(
    admin, app, client, learner, session
):
    complete_lessons(client)
    [certificate] = certificates(session)
    code = certificate.code
    confirm = admin.get(f"/admin/certificates/{code}/revoke")
    assert confirm.status_code == 200 and "This cannot be undone" in confirm.text
    token = csrf_from(confirm.text)
    refused = admin.post(f"/admin/certificates/{code}/revoke", data={"csrf_token": token})
    assert refused.status_code == 422
    assert session.scalar(select(Certificate.revoked_at)) is None
    done = admin.post(
        f"/admin/certificates/{code}/revoke",
        data={"csrf_token": token, "reason": "Completed with another person's account"},
    )
    assert done.status_code == 302
    revoked = session.scalar(select(Certificate))
    assert revoked.revoked_at is not None
    assert revoked.revoked_reason == "Completed with another person's account"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate_revoked"))
    assert event.subject == code and event.details["learner"] == "ann"
    assert event.details["reason"] == "Completed with another person's account"
    # The public check says revoked, with the date, and keeps the reason to itself.
    public = app.test_client().get(f"/verify/{code}")
    assert public.status_code == 200 and "was revoked on" in public.text
    assert "This certificate is valid." not in public.text
    assert "another person" not in public.text
    # The learner sees it revoked, with the reason, and no longer gets the file.
    mine = client.get("/me/certificates").text
    assert "Revoked on" in mine and "another person" in mine
    assert f"/me/certificates/{code}.pdf" not in mine
    assert client.get(f"/me/certificates/{code}.pdf").status_code == 404
    # Revoked once is revoked: the page has no form any more, a second POST is refused.
    assert (
        '<form method="post" action="/admin'
        not in admin.get(f"/admin/certificates/{code}/revoke").text
    )
    again = admin.post(
        f"/admin/certificates/{code}/revoke", data={"csrf_token": token, "reason": "again"}
    )
    assert again.status_code == 422 and "revoked already" in again.text


def test_an_unknown_code_has_no_revocation_page(admin):
    assert admin.get("/admin/certificates/AAAAAAAAAAAAAAAAAAAA/revoke").status_code == 404
    page = admin.get("/admin/certificates").text
    token = csrf_from(page)
    response = admin.post(
        "/admin/certificates/AAAAAAAAAAAAAAAAAAAA/revoke", data={"csrf_token": token, "reason": "x"}
    )
    assert response.status_code == 404


def test_the_certificate_pages_render_in_chinese(admin, client, learner, session):
    complete_lessons(client)
    [certificate] = certificates(session)
    assert "证书" in admin.get("/admin/certificates", headers=ZH).text
    assert "撤销" in admin.get(f"/admin/certificates/{certificate.code}/revoke", headers=ZH).text
    assert "证书" in client.get("/me/certificates", headers=ZH).text
    public = client.get(f"/verify/{certificate.code}", headers=ZH).text
    assert "有效" in public and "A******" in public


def test_qr_codes_decode_from_an_image_of_the_page(tmp_path):
    """The drawing alone: a code drawn on a canvas reads back exactly, quiet zone included."""
    from reportlab.pdfgen.canvas import Canvas

    from app.certificates.qr import draw_qr

    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.setFillColorRGB(0.2, 0.2, 0.2)
    canvas.rect(0, 0, 600, 850, stroke=0, fill=1)  # a dark page: the quiet zone must be drawn
    draw_qr(canvas, "https://academy.example.gov.cn/verify/ABCDEFGHIJKLMNOPQRST", 200, 400, 110)
    canvas.save()
    path = saved(tmp_path, buffer.getvalue())
    assert qr_codes(path, tmp_path) == [
        "https://academy.example.gov.cn/verify/ABCDEFGHIJKLMNOPQRST"
    ]
