"""Finding certificates for an administrator, and revoking one with a reason.

A revoked certificate is never deleted: /verify shows it as revoked (with the date), the
learner sees it revoked with the reason and can no longer download it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app import audit
from app.auth.identity_text import normalise_username
from app.certificates.codes import normalise
from app.models import Certificate, User
from app.models.types import utcnow
from app.web.pagination import Page, page_window

CERTIFICATES_PER_PAGE = 50
MAX_REASON = 500


class RevocationError(ValueError):
    """A revocation that is refused; the message says why (translated)."""


@dataclass(frozen=True)
class CertificateLine:
    """A certificate in the administrators' list, with its learner's username."""

    certificate: Certificate
    username: str


def search(session: Session, query: str, *, page: int) -> Page[CertificateLine]:
    """Certificates whose code is `query` (as typed) or whose learner's username is `query`,
    every certificate when it is empty; the latest issued first, a page at a time."""
    matching = select(Certificate, User.username).join(User, User.id == Certificate.user_id)
    if query := query.strip():
        matching = matching.where(
            or_(Certificate.code == normalise(query), User.username == normalise_username(query))
        )
    total = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    window = page_window(total, page, CERTIFICATES_PER_PAGE)
    rows = session.execute(
        matching.order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .offset(window.offset)
        .limit(window.limit)
    )
    return window.with_items(
        CertificateLine(certificate, username) for certificate, username in rows
    )


def by_code(session: Session, typed: str) -> CertificateLine | None:
    """The certificate with this code and its learner's username (None: none)."""
    row = session.execute(
        select(Certificate, User.username)
        .join(User, User.id == Certificate.user_id)
        .where(Certificate.code == normalise(typed))
    ).first()
    return CertificateLine(*row) if row else None


def revoke(session: Session, line: CertificateLine, reason: str, *, actor: User) -> Certificate:
    """Revoke a certificate, with the reason the learner reads; audit-logged. Raises
    RevocationError when the reason is missing or too long, or it is revoked already."""
    certificate = line.certificate
    reason = " ".join(reason.split())
    if not reason or len(reason) > MAX_REASON:
        raise RevocationError(
            _("Give the reason for revoking (at most %(max)d characters).", max=MAX_REASON)
        )
    if certificate.revoked_at is not None:
        raise RevocationError(_("This certificate has been revoked already."))
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason
    certificate.revoked_by_id = actor.id
    session.flush()
    audit.record(
        session,
        "certificate_revoked",
        actor_id=actor.id,
        subject=certificate.code,
        learner=line.username,
        kind=certificate.kind,
        title=certificate.title,
        year=certificate.year,
        reason=reason,
    )
    return certificate
