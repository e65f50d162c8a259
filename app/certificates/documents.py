"""Certificate and learning-record PDFs as downloads, for the learner's pages and HR's.

Both PDFs are small (one page; a year's entries), so they are built in memory. Each is in the
reader's language (the request's locale) and dates are in the academy's time zone.
"""

from __future__ import annotations

from io import BytesIO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from app.certificates import issuing
from app.certificates.pdf import write_certificate
from app.certificates.transcript_pdf import RecordHeader, write_transcript
from app.certificates.verify import verify_url
from app.credits.categories import target_for
from app.credits.totals import year_credits
from app.i18n import local_now
from app.models import Certificate, User
from app.reports.exports import content_disposition


def pdf_response(data: bytes, filename: str) -> Response:
    """A PDF download, kept out of every cache (it holds personal data)."""
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["Cache-Control"] = "no-store"
    return response


def certificate_download(certificate: Certificate) -> Response:
    """The course certificate's PDF."""
    buffer = BytesIO()
    write_certificate(certificate, buffer, verify_url=verify_url(certificate.code))
    return pdf_response(buffer.getvalue(), f"certificate-{certificate.code}.pdf")


def transcript_download(session: Session, learner: User, year: int) -> tuple[Response, Certificate]:
    """The learner's learning record of `year` and the certificate it carries (the latest
    one if the record has not changed since, else a new one)."""
    credits = year_credits(
        session,
        learner,
        year,
        target=target_for(current_app.config, learner.category),
        current_year=local_now().year,
    )
    certificate = issuing.transcript_certificate(
        session, learner, credits, title=_("Learning record %(year)d", year=year)
    )
    buffer = BytesIO()
    header = RecordHeader(category=learner.category, verify_url=verify_url(certificate.code))
    write_transcript(credits, certificate, header, buffer)
    name = f"learning-record-{year}-{learner.username}.pdf"
    return pdf_response(buffer.getvalue(), name), certificate
