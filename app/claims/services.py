"""Submitting a claim and deciding it. Services take the session first and never commit.

`submit` checks the training's details, then the evidence file (app.claims.evidence), and
refuses a form sent twice: a pending or approved claim of the same learner with a file of the
same SHA-256. Only then is the file given its name and the row written, both in the caller's
transaction (the file goes if that transaction does not commit).

`decide` locks the claim row (SELECT ... FOR UPDATE) and decides it once: approved with hours
(at most those claimed; fewer need a reason), which writes one ledger entry in the local year
the training ended, or rejected with a reason. Nobody decides their own claim. Both write the
audit log.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.claims import evidence as files
from app.claims.queries import claim_in_subtree
from app.credits.explain import hours_text
from app.credits.ledger import write_entry
from app.models import TrainingClaim, Unit, User
from app.models.types import utcnow

TEXT_MAX = 200
REASON_MAX = 500
EARLIEST_YEAR = 2000  # the ledger's years start here


class ClaimError(ValueError):
    """A claim or decision that is refused; `field` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ClaimNotFoundError(LookupError):
    """No such claim for this person to decide (out of scope, or their own): a 404."""


class AlreadyDecidedError(ClaimError):
    """The claim was decided before (a form sent twice, or by someone else meanwhile)."""


@dataclass(frozen=True)
class ClaimDetails:
    """What the learner says about the training, as typed (hours already a number)."""

    title: str
    organiser: str
    started_on: date | None
    ended_on: date | None
    hours: float | None


def _text(value: str | None) -> str:
    return " ".join((value or "").split())


def check_details(details: ClaimDetails, *, today: date, max_hours: float) -> ClaimDetails:
    """The details tidied (spaces), or ClaimError at the first field that is wrong: a missing
    or long title or organiser, a date missing, in the future or before 2000, an end before
    the start, hours that are not more than 0 or above `max_hours`."""
    title, organiser = _text(details.title), _text(details.organiser)
    for field, value in (("title", title), ("organiser", organiser)):
        if not value:
            raise ClaimError(_("This cannot be left empty."), field)
        if len(value) > TEXT_MAX:
            raise ClaimError(
                _("At most %(max)d characters, please shorten it.", max=TEXT_MAX), field
            )
    started, ended = details.started_on, details.ended_on
    for field, day in (("started_on", started), ("ended_on", ended)):
        if day is None:
            raise ClaimError(_("Give the date, such as 2026-03-02."), field)
        if day > today:
            raise ClaimError(
                _(
                    "This date is in the future (today is %(today)s). Claim training once it"
                    " has taken place.",
                    today=format_date(today),
                ),
                field,
            )
        if day.year < EARLIEST_YEAR:
            raise ClaimError(_("The date must be in %(year)d or later.", year=EARLIEST_YEAR), field)
    assert started is not None and ended is not None
    if ended < started:
        raise ClaimError(_("The training cannot end before it starts."), "ended_on")
    hours = details.hours
    if hours is None or not math.isfinite(hours):
        raise ClaimError(_("Give the hours as a number, such as 8 or 7.5."), "hours")
    hours = round(hours, 2)
    if hours <= 0 or hours > max_hours:
        raise ClaimError(
            _(
                "Claim more than 0 and at most %(max)s credit hours for one training.",
                max=hours_text(max_hours),
            ),
            "hours",
        )
    return ClaimDetails(title, organiser, started, ended, hours)


def _refuse_replay(session: Session, learner: User, sha256: str) -> None:
    """ClaimError when this learner already has a pending or approved claim with this file."""
    earlier = session.scalar(
        select(TrainingClaim)
        .where(
            TrainingClaim.user_id == learner.id,
            TrainingClaim.evidence_sha256 == sha256,
            TrainingClaim.status.in_(("pending", "approved")),
        )
        .order_by(TrainingClaim.id)
        .limit(1)
    )
    if earlier is None:
        return
    if earlier.status == "pending":
        message = _(
            "You already sent this claim with this file (“%(title)s”, waiting for HR);"
            " nothing was sent again.",
            title=earlier.title,
        )
    else:
        message = _(
            "This file is the evidence of a claim already approved (“%(title)s”); the same"
            " training cannot count twice.",
            title=earlier.title,
        )
    raise ClaimError(message, "evidence")


def submit(
    session: Session,
    learner: User,
    details: ClaimDetails,
    *,
    stream: BinaryIO,
    filename: str | None,
    today: date,
) -> TrainingClaim:
    """Record a pending claim with its evidence file; audit-logged as claim_submitted.

    Raises ClaimError, writing nothing (no row, no file), for wrong details (check_details), a
    learner without a unit (no HR could decide), a refused file (app.claims.evidence) or a
    claim already sent with the same file.
    """
    checked = check_details(details, today=today, max_hours=current_app.config["CLAIM_MAX_HOURS"])
    if learner.unit_id is None:
        raise ClaimError(
            _(
                "Your account belongs to no unit, so no HR officer can decide a claim. Ask an"
                " administrator to set your unit."
            )
        )
    try:
        received = files.receive(stream, filename)
    except files.EvidenceError as refusal:
        raise ClaimError(str(refusal), "evidence") from refusal
    try:
        # One learner's submissions one after another, so a double click cannot slip two
        # identical claims past the check below (SQLite's writers are serial anyway).
        session.execute(select(User.id).where(User.id == learner.id).with_for_update())
        _refuse_replay(session, learner, received.sha256)
        stored = files.place(session, received)
    except BaseException:
        files.discard(received)
        raise
    try:
        claim = TrainingClaim(
            user_id=learner.id,
            title=checked.title,
            organiser=checked.organiser,
            started_on=checked.started_on,
            ended_on=checked.ended_on,
            hours_claimed=checked.hours,
            evidence_name=received.name,
            evidence_file=stored,
            evidence_type=received.kind,
            evidence_size=received.size,
            evidence_sha256=received.sha256,
            status="pending",
        )
        session.add(claim)
        session.flush()
    except BaseException:
        files.remove_stored(stored)  # nothing half-written: no file without its row
        raise
    audit.record(
        session,
        "claim_submitted",
        actor_id=learner.id,
        subject=learner.username,
        claim=claim.id,
        title=claim.title,
        hours_claimed=claim.hours_claimed,
        evidence_sha256=claim.evidence_sha256,
    )
    return claim


def _locked_claim(session: Session, root: Unit, claim_id: int) -> TrainingClaim | None:
    """The claim, row-locked until the transaction ends and read afresh, if its learner is in
    `root`'s subtree."""
    return session.scalar(
        claim_in_subtree(root, claim_id)
        .with_for_update(of=TrainingClaim)
        .execution_options(populate_existing=True)
    )


def already_decided_message(claim: TrainingClaim) -> str:
    """What to say when a decided claim is decided again."""
    who = claim.decided_by.full_name if claim.decided_by else _("someone")
    if claim.status == "approved":
        return _(
            "This claim was already approved by %(name)s (%(hours)s h); nothing was changed.",
            name=who,
            hours=hours_text(claim.hours_approved),
        )
    return _("This claim was already rejected by %(name)s; nothing was changed.", name=who)


def decide(
    session: Session,
    root: Unit,
    claim_id: int,
    *,
    actor: User,
    approve: bool,
    hours: float | None = None,
    reason: str | None = None,
) -> TrainingClaim:
    """Approve (with `hours`, default all claimed) or reject the pending claim `claim_id` of a
    learner in `root`'s subtree.

    An approval writes one ledger entry (source offline_training) in the year the training
    ended; approving fewer hours than claimed, and rejecting, need a reason. Raises
    ClaimNotFoundError for a claim outside `root` or the actor's own, AlreadyDecidedError
    for a claim no longer pending, ClaimError for hours or a reason that do not fit.
    """
    claim = _locked_claim(session, root, claim_id)
    if claim is None or claim.user_id == actor.id:
        raise ClaimNotFoundError(claim_id)
    if claim.status != "pending":
        raise AlreadyDecidedError(already_decided_message(claim))
    reason = _text(reason) or None
    if reason is not None and len(reason) > REASON_MAX:
        raise ClaimError(
            _("At most %(max)d characters, please shorten it.", max=REASON_MAX), "reason"
        )
    if approve:
        _approve(session, claim, actor, hours, reason)
    else:
        if reason is None:
            raise ClaimError(
                _("Give the reason for the rejection: the learner reads it."), "reason"
            )
        _record_decision(session, claim, "rejected", actor, reason, utcnow())
        audit.record(
            session,
            "claim_rejected",
            actor_id=actor.id,
            subject=claim.user.username,
            claim=claim.id,
            hours_claimed=claim.hours_claimed,
            reason=reason,
        )
    return claim


def _record_decision(
    session: Session,
    claim: TrainingClaim,
    status: str,
    actor: User,
    reason: str | None,
    at: datetime,
) -> None:
    """Write who decided the claim, how, why and when (the row's constraints check them)."""
    claim.status = status
    claim.decision_reason = reason
    claim.decided_by_id = actor.id
    claim.decided_at = at
    session.flush()


def _approve(
    session: Session, claim: TrainingClaim, actor: User, hours: float | None, reason: str | None
) -> None:
    claimed = claim.hours_claimed
    approved = claimed if hours is None else round(hours, 2)
    if not math.isfinite(approved) or approved <= 0 or approved > claimed:
        raise ClaimError(
            _(
                "Approve more than 0 and at most the %(claimed)s h claimed.",
                claimed=hours_text(claimed),
            ),
            "hours",
        )
    reduced = approved < claimed
    if reduced and reason is None:
        raise ClaimError(
            _("Give the reason for approving fewer hours than claimed: the learner reads it."),
            "reason",
        )
    parts = [
        {
            "kind": "offline",
            "title": claim.title,
            "organiser": claim.organiser,
            "from": claim.started_on.isoformat(),
            "to": claim.ended_on.isoformat(),
            "approved_by": actor.full_name,
        }
    ]
    if reduced:
        parts.append(
            {"kind": "offline_reduced", "claimed": claimed, "approved": approved, "reason": reason}
        )
    now = utcnow()
    entry = write_entry(
        session,
        claim.user,
        hours=approved,
        source="offline_training",
        parts=parts,
        year=claim.ended_on.year,
        at=now,
        reason=reason,
        created_by_id=actor.id,
    )
    claim.hours_approved = approved
    claim.credit_entry_id = entry.id
    _record_decision(session, claim, "approved", actor, reason, now)
    audit.record(
        session,
        "claim_approved",
        actor_id=actor.id,
        subject=claim.user.username,
        claim=claim.id,
        hours_claimed=claimed,
        hours_approved=approved,
        reason=reason,
        year=entry.year,
    )
