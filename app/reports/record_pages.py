"""The learner record page: one learner's courses, lessons and attempts, for HR and admins, with
a form per attempt-limited quiz to grant more attempts, and their credit-hour ledger of a year
(`?year=`) against their own target.

The pages register on the reports blueprint (the factory imports this module). A learner
outside the caller's subtree, or outside the unit the URL names, is a 404 like one who does
not exist.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.content.lookup import find_lesson
from app.credits import ledger
from app.credits.categories import target_for
from app.credits.explain import hours_text
from app.credits.totals import year_credits
from app.credits.years import requested_year
from app.db import db
from app.i18n import local_now
from app.models import Unit, User
from app.quiz import grants
from app.reports import builders, learner_record
from app.reports.forms import AdjustCreditsForm, GrantAttemptsForm
from app.reports.routes import bp, unit_in_scope


def _learner_or_404(code: str, username: str) -> tuple[Unit, User]:
    unit = unit_in_scope(code)
    learner = learner_record.learner_in_subtree(db.session, unit, username)
    if learner is None:
        abort(404)
    return unit, learner


def _grant_forms(
    record: learner_record.LearnerRecord, failed: GrantAttemptsForm | None
) -> dict[int, GrantAttemptsForm]:
    """A grant form per attempt-limited quiz lesson of the page, by lesson id; `failed` (a
    form that did not validate) stands at its own lesson, with what was typed and its errors."""
    if record.learner.id == current_user.id:
        return {}  # nobody extends their own attempts
    forms = {}
    for course in record.courses.items:
        for line in course.lessons:
            if not line.can_grant:
                continue
            slugs = (course.course.slug, line.lesson.slug)
            if failed is not None and (failed.course.data, failed.lesson.data) == slugs:
                form = failed
            else:
                form = GrantAttemptsForm(formdata=None, course=slugs[0], lesson=slugs[1])
            forms[line.lesson.id] = form.with_ids_for(line.lesson.id)
    return forms


def _may_adjust(learner: User) -> bool:
    """Credit hours are adjusted by administrators only, and never on their own record."""
    return current_user.has_role("admin") and learner.id != current_user.id


def _adjust_form(
    learner: User, year: int, failed: AdjustCreditsForm | None
) -> AdjustCreditsForm | None:
    """The credit-hours adjustment form for the page, if the viewer may adjust."""
    if not _may_adjust(learner):
        return None
    return failed or AdjustCreditsForm(formdata=None, year=year)


def _render(
    unit: Unit,
    learner: User,
    failed: GrantAttemptsForm | None = None,
    failed_adjustment: AdjustCreditsForm | None = None,
) -> str:
    """The record page at the requested page of courses and year of credit hours."""
    record = learner_record.learner_record(
        db.session, learner, page=request.args.get("page", 1, type=int) or 1
    )
    credits = year_credits(
        db.session,
        learner,
        requested_year(),
        target=target_for(current_app.config, learner.category),
        current_year=local_now().year,
    )
    return render_template(
        "reports/learner.html",
        unit=unit,
        record=record,
        credits=credits,
        adjust_form=_adjust_form(learner, credits.year, failed_adjustment),
        forms=_grant_forms(record, failed),
        status_label=builders.status_label,
        today=datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date(),
    )


@bp.route("/units/<code>/learners/<username>")
@login_required
def learner(code: str, username: str) -> str:
    """One learner's courses (status, percent, credit hours, due date), lessons and attempts."""
    unit, person = _learner_or_404(code, username)
    return _render(unit, person)


@bp.route("/units/<code>/learners/<username>/attempt-grants", methods=["POST"])
@login_required
def grant_attempts(code: str, username: str) -> Response | tuple[str, int]:
    """Grant the learner N more attempts at one lesson's quiz, with a reason; back to the record."""
    unit, person = _learner_or_404(code, username)
    form = GrantAttemptsForm()
    if form.validate_on_submit():
        found = find_lesson(db.session, current_user, form.course.data, form.lesson.data)
        if found is None:
            abort(404)
        course, lesson = found
        try:
            grant = grants.grant_attempts(
                db.session,
                person,
                course,
                lesson,
                count=form.count.data,
                reason=form.reason.data,
                granted_by=current_user._get_current_object(),
            )
        except grants.GrantForbiddenError:
            abort(404)
        except grants.GrantError as error:
            form.reason.errors = [*form.reason.errors, str(error)]
        else:
            flash(
                ngettext(
                    "%(num)d more attempt granted to %(name)s for “%(lesson)s”.",
                    "%(num)d more attempts granted to %(name)s for “%(lesson)s”.",
                    grant.count,
                    name=person.full_name,
                    lesson=lesson.title,
                ),
                "success",
            )
            return redirect(
                url_for(
                    ".learner",
                    code=unit.code,
                    username=person.username,
                    page=request.args.get("page", 1, type=int) or 1,
                    _anchor=f"lesson-{lesson.id}",
                )
            )
    return _render(unit, person, failed=form), 422


@bp.route("/units/<code>/learners/<username>/credit-adjustments", methods=["POST"])
@login_required
def adjust_credits(code: str, username: str) -> Response | tuple[str, int]:
    """An administrator adds or takes away credit hours in the learner's year, with a reason
    the learner reads; back to the record at that year. Audit-logged."""
    unit, person = _learner_or_404(code, username)
    if not _may_adjust(person):
        abort(404)
    form = AdjustCreditsForm()
    if form.validate_on_submit():
        try:
            entry = ledger.adjust(
                db.session,
                person,
                float(form.hours.data or 0),
                reason=form.reason.data or "",
                year=int(form.year.data or 0),
                actor=current_user._get_current_object(),
            )
        except ledger.LedgerError as error:
            form.hours.errors = [*form.hours.errors, str(error)]
        else:
            flash(
                _(
                    "%(hours)s credit hours recorded for %(name)s in %(year)d.",
                    hours=hours_text(entry.hours),
                    name=person.full_name,
                    year=entry.year,
                ),
                "success",
            )
            return redirect(
                url_for(".learner", code=unit.code, username=person.username, year=entry.year,
                        _anchor=f"credits-{entry.year}")
            )
    return _render(unit, person, failed_adjustment=form), 422
