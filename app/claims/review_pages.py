"""HR's claim pages under a unit report: the claims of the unit's subtree, one claim with its
evidence and the decision form, and the decision itself.

They register on the claims blueprint (the factory imports this module) at
/reports/units/<code>/claims...; the unit must be in the caller's scope (app.reports.routes'
`unit_in_scope`) and the claim's learner in the unit's subtree, or the answer is a 404, as for
a claim that does not exist. Administrators see every unit. Nobody decides their own claim.
"""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.claims import queries, services
from app.claims.forms import DecisionForm
from app.claims.routes import bp, evidence_response
from app.credits.categories import target_for
from app.credits.explain import hours_text
from app.credits.totals import year_total
from app.db import db
from app.models import TrainingClaim, Unit
from app.reports.routes import unit_in_scope
from app.web.pagination import requested_page

SEARCH_MAX = 100


def _date_arg(name: str) -> date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(400)


def _filters(unit: Unit) -> queries.ClaimFilters:
    """The list's filters from the query string: an unknown status or a malformed date is a
    400, a sub-unit outside `unit`'s subtree a 404."""
    status = request.args.get("status", "").strip() or "pending"
    if status not in queries.STATUS_FILTERS:
        abort(400)
    sub_unit = None
    if code := request.args.get("unit", "").strip():
        sub_unit = queries.unit_below(db.session, unit, code)
        if sub_unit is None:
            abort(404)
    return queries.ClaimFilters(
        status=status,
        sub_unit=sub_unit,
        search=" ".join(request.args.get("q", "").split())[:SEARCH_MAX],
        ended_from=_date_arg("from"),
        ended_until=_date_arg("to"),
    )


def _claim_or_404(code: str, claim_id: int) -> tuple[Unit, TrainingClaim]:
    unit = unit_in_scope(code)
    claim = queries.find_claim(db.session, unit, claim_id)
    if claim is None:
        abort(404)
    return unit, claim


@bp.route("/reports/units/<code>/claims")
@login_required
def unit_claims(code: str) -> str:
    """The claims of learners in the unit's subtree: the pending ones unless another status is
    chosen, filtered by sub-unit, learner and the day the training ended; 50 a page."""
    unit = unit_in_scope(code)
    filters = _filters(unit)
    result = queries.unit_claims(db.session, unit, filters, requested_page())
    return render_template(
        "claims/unit_claims.html",
        unit=unit,
        filters=filters,
        result=result,
        sub_units=queries.sub_units(db.session, unit),
        args=filters.as_args(),
    )


def _render_review(
    unit: Unit, claim: TrainingClaim, form: DecisionForm, refusal: str | None = None
) -> str:
    """The claim page: details, evidence, the learner's year so far, and the decision form
    for whoever may decide it."""
    learner = claim.user
    year = claim.ended_on.year
    return render_template(
        "claims/review.html",
        unit=unit,
        claim=claim,
        form=form,
        refusal=refusal,
        own=learner.id == current_user.id,
        year=year,
        year_total=year_total(db.session, learner, year),
        target=target_for(current_app.config, learner.category),
    )


@bp.route("/reports/units/<code>/claims/<int:claim_id>")
@login_required
def review(code: str, claim_id: int) -> str:
    """One claim: what the learner says, the evidence, and the decision (or the form)."""
    unit, claim = _claim_or_404(code, claim_id)
    return _render_review(unit, claim, DecisionForm(formdata=None, hours=claim.hours_claimed))


@bp.route("/reports/units/<code>/claims/<int:claim_id>/evidence")
@login_required
def unit_evidence(code: str, claim_id: int) -> Response:
    """The claim's evidence file, for HR of the learner's unit (or above) and admins."""
    _unit, claim = _claim_or_404(code, claim_id)
    return evidence_response(claim)


@bp.route("/reports/units/<code>/claims/<int:claim_id>/decision", methods=["POST"])
@login_required
def decide(code: str, claim_id: int) -> Response | tuple[str, int]:
    """Approve (possibly fewer hours, with a reason) or reject (with a reason) a pending
    claim; back to the unit's pending claims. A decided claim is not decided again."""
    unit, claim = _claim_or_404(code, claim_id)
    if claim.user_id == current_user.id:
        abort(404)  # nobody decides their own claim: there is no form to send
    form = DecisionForm()
    if not form.validate_on_submit():
        return _render_review(unit, claim, form), 422
    approve = form.decision.data == "approve"
    try:
        decided = services.decide(
            db.session,
            unit,
            claim_id,
            actor=current_user._get_current_object(),
            approve=approve,
            hours=form.hours.data,
            reason=form.reason.data,
        )
    except services.ClaimNotFoundError:
        abort(404)
    except services.AlreadyDecidedError as refusal:
        return _render_review(unit, claim, DecisionForm(formdata=None), str(refusal)), 409
    except services.ClaimError as refusal:
        field = form[refusal.field] if refusal.field in form else form.decision
        field.errors = [*field.errors, str(refusal)]
        return _render_review(unit, claim, form), 422
    if approve:
        message = _(
            "Approved: %(hours)s credit hours for %(name)s.",
            hours=hours_text(decided.hours_approved),
            name=decided.user.full_name,
        )
    else:
        message = _("Rejected: the claim of %(name)s.", name=decided.user.full_name)
    flash(message, "success")
    return redirect(url_for(".unit_claims", code=unit.code))
