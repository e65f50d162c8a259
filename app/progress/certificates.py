"""The certificate a course completion earns, written in the completion's own transaction.

Only the rows are made here (what app.progress.rollups needs when it marks enrollments
completed); the PDFs, the learner's list, /verify and revocation are app.certificates, which
builds on this module. It lives with the rollups rather than with those pages because the
pages use the reports and web packages, which use this one: the dependency runs one way.

A code is 20 characters of the RFC 4648 base32 alphabet from `secrets` (100 bits): nobody can
guess one, and it reads aloud without 0/O or 1/I confusion. Codes are unique in the schema;
with 2^100 of them a clash never happens in practice, so none is retried.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.models import Certificate, Unit, User
from app.models.types import utcnow

CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
CODE_LENGTH = 20  # 5 bits each: 100 bits


def new_code() -> str:
    """A fresh certificate code: CODE_LENGTH random base32 characters."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@dataclass(frozen=True)
class CourseCompletion:
    """What a course certificate certifies, apart from who (read from the learner's row)."""

    enrollment_id: int
    user_id: int
    course_id: int
    title: str
    hours: float
    completed_at: datetime


def learner_snapshots(session: Session, user_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """Each learner's full name and unit name (empty without a unit), by user id; one query."""
    rows = session.execute(
        select(User.id, User.full_name, Unit.name)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(User.id.in_(sorted(set(user_ids))))
    )
    return {user_id: (name, unit or "") for user_id, name, unit in rows}


def issue_course_certificates(session: Session, completions: Sequence[CourseCompletion]) -> int:
    """One certificate per completion, with the learner's name and unit as they are now; how
    many completions were given. Two queries for any number (the names, then one insert).

    An enrollment that has a certificate already keeps it: two requests issuing the missing
    certificates of one learner at once (app.certificates.issuing) cannot make two.
    """
    if not completions:
        return 0
    people = learner_snapshots(session, [c.user_id for c in completions])
    now = utcnow()
    rows = [
        {
            "code": new_code(),
            "kind": "course",
            "user_id": c.user_id,
            "enrollment_id": c.enrollment_id,
            "course_id": c.course_id,
            "learner_name": people[c.user_id][0],
            "unit_name": people[c.user_id][1],
            "title": c.title,
            "hours": c.hours,
            "completed_at": c.completed_at,
            "issued_at": now,
        }
        for c in completions
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(Certificate).on_conflict_do_nothing(index_elements=[Certificate.enrollment_id]),
        rows,
    )
    return len(rows)
