"""A learner's certificates: issuing those that are missing, listing them, and the one
certificate of a learning record (学习档案) as it stands.

Completions issue their certificate as they happen (app.progress.rollups). Completions made
before certificates existed, or written in bulk around the app (`demo generate`), have none:
they get theirs when the learner first opens their certificates, with the completion's own
date and hours (its ledger entry's hours, else those the enrollment was awarded).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.certificates.codes import normalise
from app.credits.totals import YearCredits
from app.models import Certificate, Course, CreditEntry, Enrollment, User
from app.models.types import utcnow
from app.progress.certificates import (
    CourseCompletion,
    issue_course_certificates,
    learner_snapshots,
    new_code,
)
from app.web.pagination import Page, page_window

CERTIFICATES_PER_PAGE = 20


def issue_missing(session: Session, learner: User) -> int:
    """Issue a certificate for each completed course of the learner that has none; how many.
    One query when nothing is missing, three when something is."""
    rows = session.execute(
        select(
            Enrollment.id,
            Enrollment.course_id,
            Course.title,
            func.coalesce(CreditEntry.hours, Enrollment.credit_hours_awarded),
            Enrollment.completed_at,
        )
        .join(Course, Course.id == Enrollment.course_id)
        .outerjoin(CreditEntry, CreditEntry.enrollment_id == Enrollment.id)
        .outerjoin(Certificate, Certificate.enrollment_id == Enrollment.id)
        .where(
            Enrollment.user_id == learner.id,
            Enrollment.status == "completed",
            Certificate.id.is_(None),
        )
    ).all()
    return issue_course_certificates(
        session,
        [
            CourseCompletion(enrollment_id, learner.id, course_id, title, hours, completed_at)
            for enrollment_id, course_id, title, hours, completed_at in rows
        ],
    )


def course_certificates(session: Session, learner: User, *, page: int) -> Page[Certificate]:
    """A page of the learner's course certificates, the latest completion first."""
    mine = (Certificate.user_id == learner.id, Certificate.kind == "course")
    total = session.scalar(select(func.count(Certificate.id)).where(*mine)) or 0
    window = page_window(total, page, CERTIFICATES_PER_PAGE)
    rows = session.scalars(
        select(Certificate)
        .where(*mine)
        .order_by(Certificate.completed_at.desc(), Certificate.id.desc())
        .offset(window.offset)
        .limit(window.limit)
    )
    return window.with_items(rows)


def own_certificate(session: Session, learner: User, typed: str) -> Certificate | None:
    """The learner's own course certificate with this code, unless it was revoked."""
    return session.scalar(
        select(Certificate).where(
            Certificate.code == normalise(typed),
            Certificate.user_id == learner.id,
            Certificate.kind == "course",
            Certificate.revoked_at.is_(None),
        )
    )


def record_years(session: Session, learner: User, current_year: int) -> list[int]:
    """The years the learner has ledger entries in, and the current one, newest first."""
    years = set(
        session.scalars(
            select(CreditEntry.year).where(CreditEntry.user_id == learner.id).distinct()
        )
    )
    return sorted(years | {current_year}, reverse=True)


def transcript_certificate(
    session: Session, learner: User, credits: YearCredits, *, title: str
) -> Certificate:
    """The certificate of the learner's record of `credits.year` as it stands: the latest one
    issued, unless it was revoked or the record changed since (another entry, another total,
    another name or unit); then a new one. Ledger entries are only ever added, so the same
    number of entries means the same entries."""
    name, unit = learner_snapshots(session, [learner.id])[learner.id]
    latest = session.scalar(
        select(Certificate)
        .where(
            Certificate.user_id == learner.id,
            Certificate.kind == "transcript",
            Certificate.year == credits.year,
        )
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .limit(1)
    )
    if (
        latest is not None
        and latest.revoked_at is None
        and latest.entry_count == len(credits.entries)
        and round(latest.hours, 2) == credits.total
        and (latest.learner_name, latest.unit_name) == (name, unit)
    ):
        return latest
    now = utcnow()
    certificate = Certificate(
        code=new_code(),
        kind="transcript",
        user_id=learner.id,
        year=credits.year,
        entry_count=len(credits.entries),
        learner_name=name,
        unit_name=unit,
        title=title,
        hours=credits.total,
        completed_at=now,
        issued_at=now,
    )
    session.add(certificate)
    session.flush()
    return certificate
