"""A learner claims offline training: the form, the evidence file checked by its content, and
every refusal writing nothing (no row, no file in EVIDENCE_DIR).

The helpers at the top (real PDF, PNG and JPEG files, the form, arranging a claim through the
service) are used by tests/test_claims_review.py too.
"""

from __future__ import annotations

import hashlib
import io
import stat
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from reportlab.pdfgen import canvas
from sqlalchemy import select

from app.claims import services
from app.db import db
from app.models import AuditEvent, TrainingClaim
from tests import factories
from tests.conftest import csrf_from, share_arranged_data

ZONE = ZoneInfo("Asia/Shanghai")  # TIMEZONE of the tests' config
MIB = 1024 * 1024


def today() -> date:
    """The academy's local date (what "in the future" is measured against)."""
    return datetime.now(ZONE).date()


def pdf_bytes(text: str = "Certificate of attendance", padding: int = 0) -> bytes:
    """A real one-page PDF (reportlab), optionally made larger with a trailing comment."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue() + (b"%" + b"x" * (padding - 2) + b"\n" if padding else b"")


def image_bytes(kind: str) -> bytes:
    """A real small PNG or JPEG picture (Pillow)."""
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(buffer, kind)
    return buffer.getvalue()


def evidence_files(app) -> list[Path]:  # noqa: ANN001
    """Every file in EVIDENCE_DIR (temporary ones included)."""
    folder = Path(app.config["INSTANCE_DIR"]) / "evidence"
    return sorted(folder.iterdir()) if folder.exists() else []


def claim_form(client, *, file: bytes | None = None, name: str = "certificate.pdf", **fields):  # noqa: ANN001, ANN201
    """The new-claim form as a learner fills it in (a valid claim unless told otherwise)."""
    page = client.get("/me/claims/new")
    start = today() - timedelta(days=20)
    data = {
        "csrf_token": csrf_from(page.text),
        "title": "Data security for county offices",
        "organiser": "Provincial Party School",
        "started_on": start.isoformat(),
        "ended_on": (start + timedelta(days=2)).isoformat(),
        "hours": "8",
        "evidence": (io.BytesIO(pdf_bytes() if file is None else file), name),
    }
    data.update(fields)
    return data


def send_claim(client, **kwargs):  # noqa: ANN001, ANN201
    """Post the new-claim form (see claim_form)."""
    return client.post(
        "/me/claims/new", data=claim_form(client, **kwargs), content_type="multipart/form-data"
    )


def make_claim(  # noqa: ANN201
    app,  # noqa: ANN001
    username: str,
    *,
    hours: float = 8,
    title: str = "Data security",
    ended_on: date | None = None,
    file: bytes | None = None,
    name: str = "certificate.pdf",
) -> int:
    """Arrange a pending claim through the service (committed); its id."""
    share_arranged_data(app)
    ended = ended_on or today() - timedelta(days=3)
    with app.test_request_context():
        writer = db.new_session()
        try:
            from app.models import User

            learner = writer.scalar(select(User).where(User.username == username))
            claim = services.submit(
                writer,
                learner,
                services.ClaimDetails(
                    title, "Party School", ended - timedelta(days=1), ended, hours
                ),
                stream=io.BytesIO(file or pdf_bytes(f"{username} {title} {hours}")),
                filename=name,
                today=today(),
            )
            writer.commit()
            return claim.id
        finally:
            writer.close()


@pytest.fixture
def ann(client, session, auth):  # noqa: ANN001, ANN201
    """Ann, a learner of COUNTY (under CITY), signed in."""
    city = factories.unit(session, "CITY")
    county = factories.unit(session, "COUNTY", parent=city)
    user = factories.user(session, "ann", unit=county, full_name="Ann Lee")
    auth.login("ann")
    return user


def claims(session) -> list[TrainingClaim]:  # noqa: ANN001
    return list(session.scalars(select(TrainingClaim).order_by(TrainingClaim.id)))


def test_the_empty_list_explains_what_a_claim_is_and_credits_link_to_it(client, ann):
    credits = client.get("/me/credits").text
    assert 'href="/me/claims"' in credits and "My training claims" in credits
    page = client.get("/me/claims")
    assert page.status_code == 200
    assert "You have not claimed any training yet." in page.text
    assert "outside the academy" in page.text
    assert 'href="/me/claims/new"' in page.text


def test_a_claim_with_a_pdf_is_recorded_pending_with_its_file_kept_private(
    app, client, ann, session
):
    content = pdf_bytes()
    response = send_claim(client, file=content, name="结业证书.pdf", hours="7.5")
    assert response.status_code == 302
    assert response.headers["Location"] == "/me/claims"
    [claim] = claims(session)
    assert (claim.status, claim.hours_claimed, claim.user_id) == ("pending", 7.5, ann.id)
    assert (claim.title, claim.organiser) == (
        "Data security for county offices",
        "Provincial Party School",
    )
    assert (claim.evidence_name, claim.evidence_type) == ("结业证书.pdf", "pdf")
    assert claim.evidence_size == len(content)
    assert claim.evidence_sha256 == hashlib.sha256(content).hexdigest()
    [stored] = evidence_files(app)
    assert stored.name == claim.evidence_file and len(stored.name) == 32
    assert stored.read_bytes() == content
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    page = client.get("/me/claims").text
    assert "Your claim “Data security for county offices” was sent to HR" in page
    assert "Waiting for HR" in page and "7.5" in page
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "claim_submitted"))
    assert (event.actor_id, event.subject) == (ann.id, "ann")
    assert event.details["hours_claimed"] == 7.5
    assert event.details["evidence_sha256"] == claim.evidence_sha256


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [("PNG", "photo.png", "png"), ("JPEG", "photo.JPG", "jpeg"), ("JPEG", "scan.jpeg", "jpeg")],
)
def test_png_and_jpeg_pictures_are_accepted(app, client, ann, session, kind, name, expected):
    response = send_claim(client, file=image_bytes(kind), name=name)
    assert response.status_code == 302
    [claim] = claims(session)
    assert claim.evidence_type == expected


def test_full_width_digits_are_read_as_hours(client, ann, session):
    assert send_claim(client, hours="１２．５").status_code == 302
    assert claims(session)[0].hours_claimed == 12.5


def _days(offset: int) -> str:
    return (today() + timedelta(days=offset)).isoformat()


# Dates are given as days from today and made dates when the test runs, not when this module
# is imported: a run that crosses midnight in the academy's zone would otherwise send
# "tomorrow" as today.
REFUSED = {
    "start in the future": ({"started_on": 1, "ended_on": 2}, "in the future"),
    "end in the future": ({"started_on": -1, "ended_on": 1}, "in the future"),
    "end before start": (
        {"started_on": -3, "ended_on": -5},
        "cannot end before it starts",
    ),
    "no date": ({"started_on": ""}, "Give the first day of the training."),
    "zero hours": ({"hours": "0"}, "more than 0 and at most 40"),
    "negative hours": ({"hours": "-2"}, "more than 0 and at most 40"),
    "hours over the maximum": ({"hours": "40.5"}, "more than 0 and at most 40"),
    "hours not a number": ({"hours": "eight"}, "Give the hours as a number"),
    "hours infinite": ({"hours": "inf"}, "Give the hours as a number"),
    "no title": ({"title": "   "}, "Give the title of the training."),
    "title too long": ({"title": "t" * 201}, "longer than 200 characters"),
    "no organiser": ({"organiser": ""}, "Give who organised the training."),
    "a PNG named .pdf": (
        {"file": image_bytes("PNG"), "name": "certificate.pdf"},
        "is named as a PDF file but its content is PNG",
    ),
    "a PDF named .png": (
        {"file": pdf_bytes(), "name": "certificate.png"},
        "is named as a PNG file but its content is PDF",
    ),
    "a program renamed .pdf": (
        {"file": b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 500, "name": "certificate.pdf"},
        "is not a PDF, PNG or JPEG file, whatever its name says",
    ),
    "a text file": ({"file": b"I attended.", "name": "note.txt"}, "is not a PDF, PNG or JPEG"),
    "a PDF without an ending": ({"file": pdf_bytes(), "name": "certificate"}, "does not end in"),
    "an empty file": ({"file": b"", "name": "certificate.pdf"}, "The file is empty."),
    "a file over 10 MB": (
        {"file": pdf_bytes(padding=10 * MIB), "name": "certificate.pdf"},
        "The file is larger than 10 MB.",
    ),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_a_wrong_claim_is_refused_at_its_field_and_nothing_is_written(
    app, client, ann, session, case
):
    fields, message = REFUSED[case]
    dates = {name: _days(fields[name]) for name in ("started_on", "ended_on")
             if isinstance(fields.get(name), int)}
    response = send_claim(client, **{**fields, **dates})
    assert response.status_code == 422
    assert message in response.text
    assert 'class="error"' in response.text
    assert claims(session) == []
    assert evidence_files(app) == []
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "claim_submitted")) is None


def test_a_file_of_exactly_10_mb_is_accepted(app, client, ann, session):
    content = pdf_bytes(padding=10 * MIB - len(pdf_bytes()))
    assert len(content) == 10 * MIB
    assert send_claim(client, file=content).status_code == 302
    assert claims(session)[0].evidence_size == 10 * MIB
    assert [path.stat().st_size for path in evidence_files(app)] == [10 * MIB]


def test_an_upload_past_the_page_limit_gets_the_form_back_saying_the_limit(
    app, client, ann, session
):
    response = send_claim(client, file=pdf_bytes(padding=12 * MIB))
    assert response.status_code == 413
    assert "The file is larger than 10 MB, so nothing was sent." in response.text
    assert 'name="title"' in response.text  # the form again, to fill in
    assert claims(session) == []
    assert evidence_files(app) == []


def test_other_pages_keep_the_ordinary_body_limit(client, ann):
    page = client.get("/me/claims/new")
    response = client.post(
        "/language/zh",
        data={"csrf_token": csrf_from(page.text), "filler": "x" * (2 * MIB)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413


def test_the_same_form_sent_twice_makes_one_claim(app, client, ann, session):
    content = pdf_bytes()
    assert send_claim(client, file=content).status_code == 302
    again = send_claim(client, file=content)
    assert again.status_code == 422
    assert "You already sent this claim with this file" in again.text
    assert len(claims(session)) == 1
    assert len(evidence_files(app)) == 1


def test_a_file_already_approved_cannot_be_claimed_again_but_a_rejected_one_can(
    app, client, ann, session
):
    content = pdf_bytes()
    assert send_claim(client, file=content).status_code == 302
    [claim] = claims(session)
    claim.status, claim.hours_approved, claim.decided_at = "approved", 8, datetime.now(ZONE)
    session.commit()
    refused = send_claim(client, file=content)
    assert "already approved" in refused.text and refused.status_code == 422
    claim.status, claim.hours_approved, claim.decision_reason = "rejected", None, "Wrong hours"
    session.commit()
    assert send_claim(client, file=content, hours="6").status_code == 302
    assert len(claims(session)) == 2


def test_a_learner_without_a_unit_is_told_why_no_claim_can_be_made(app, client, auth, session):
    factories.user(session, "nomad")
    auth.login("nomad")
    response = send_claim(client)
    assert response.status_code == 422
    assert "Your account belongs to no unit" in response.text
    assert claims(session) == [] and evidence_files(app) == []


def test_a_file_written_for_a_claim_that_is_not_committed_is_removed(app, ann, session):
    share_arranged_data(app)
    with app.test_request_context():
        for outcome in ("rollback", "close", "commit"):
            writer = db.new_session()
            learner = writer.get(type(ann), ann.id)
            services.submit(
                writer,
                learner,
                services.ClaimDetails("T", "O", today(), today(), 1),
                stream=io.BytesIO(pdf_bytes(outcome)),
                filename="c.pdf",
                today=today(),
            )
            assert len(evidence_files(app)) == 1  # placed under its random name
            if outcome == "rollback":
                writer.rollback()
            elif outcome == "commit":
                writer.commit()
            writer.close()
            session.rollback()  # a fresh read: what the writer committed
            kept = [p.name for p in evidence_files(app)]
            assert kept == ([] if outcome != "commit" else [claims(session)[0].evidence_file])


def test_the_learner_downloads_their_own_evidence_and_nobody_else_s(
    app, client, ann, session, auth
):
    content = image_bytes("PNG")
    send_claim(client, file=content, name="培训证书.png")
    [claim] = claims(session)
    response = client.get(f"/me/claims/{claim.id}/evidence")
    assert response.status_code == 200
    assert response.data == content
    assert response.mimetype == "image/png"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('培训证书.png')}" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    factories.user(session, "bob", unit=ann.unit)
    auth.logout()
    auth.login("bob")
    assert client.get(f"/me/claims/{claim.id}/evidence").status_code == 404
    assert client.get("/me/claims/999/evidence").status_code == 404


def test_the_claim_pages_speak_chinese(client, ann, session):
    page = client.get("/me/claims")
    client.post("/language/zh", data={"csrf_token": csrf_from(page.text)})
    empty = client.get("/me/claims").text
    assert '<html lang="zh-Hans">' in empty
    assert "我的培训学时申报" in empty
    form = client.get("/me/claims/new").text
    assert "申报线下培训" in form and "证明材料" in form
    refused = send_claim(client, started_on=_days(1), ended_on=_days(2))
    assert "日期在将来" in refused.text
    assert send_claim(client).status_code == 302
    listed = client.get("/me/claims").text
    assert "等待培训管理员审核" in listed


def test_a_row_that_cannot_be_written_leaves_no_file(app, ann, session):
    from sqlalchemy.exc import IntegrityError

    from app.models import User

    share_arranged_data(app)
    ghost = User(id=99_999, username="ghost", full_name="Ghost", unit_id=ann.unit_id)
    with app.test_request_context():
        writer = db.new_session()
        try:
            with pytest.raises(IntegrityError):  # no such user: the foreign key refuses the row
                services.submit(
                    writer,
                    ghost,
                    services.ClaimDetails("T", "O", today(), today(), 1),
                    stream=io.BytesIO(pdf_bytes()),
                    filename="c.pdf",
                    today=today(),
                )
            assert evidence_files(app) == []
        finally:
            writer.close()
