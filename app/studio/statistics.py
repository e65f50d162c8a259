"""`/studio/courses/<course-id>/questions` (and `.csv`): how the published course's questions
and lessons perform, for its editors and admins (app.studio.question_stats computes it)."""

from __future__ import annotations

import re

from flask import Response, abort, render_template
from flask_babel import gettext as _
from flask_login import current_user

from app.content.lookup import course_by_slug
from app.db import db
from app.models import Course
from app.studio import editors, question_stats
from app.studio.access import studio_required
from app.studio.routes import bp
from app.web.spreadsheet import excel_csv, inert_text

TAGS = re.compile(r"<[^>]+>")


def _course(course_id: str) -> Course:
    user = current_user._get_current_object()
    course = course_by_slug(db.session, course_id)
    if course is None or not editors.may_see(db.session, user, course_id):
        abort(404)
    return course


def flag_labels() -> dict[str, str]:
    """What each flag of app.studio.question_stats means, in the visitor's language."""
    return {
        "hard": _("Hard: fewer than 20% of the marks were earned"),
        "easy": _("Easy: more than 95% of the marks were earned"),
        "weak": _("Weak: does not separate stronger from weaker learners (below 0.1)"),
        "unchosen": _("An option nobody chooses"),
    }


@bp.route("/courses/<course_id>/questions")
@studio_required
def question_statistics(course_id: str) -> str:
    """Per question answers, facility, discrimination, option counts and flags; per lesson the
    funnel and the median time."""
    course = _course(course_id)
    return render_template(
        "studio/questions.html",
        course=course,
        stats=question_stats.question_stats(db.session, course),
        funnels=question_stats.lesson_funnels(db.session, course),
        flag_labels=flag_labels(),
        min_answers=question_stats.MIN_ANSWERS,
    )


@bp.route("/courses/<course_id>/questions.csv")
@studio_required
def question_statistics_csv(course_id: str) -> Response:
    """The question statistics as a CSV file Excel opens (text cells made inert)."""
    course = _course(course_id)
    labels = flag_labels()
    header = [
        _("Question"),
        _("Type"),
        _("Answers"),
        _("Facility"),
        _("Discrimination"),
        _("Options chosen"),
        _("Flags"),
    ]
    rows = []
    for item in question_stats.question_stats(db.session, course):
        options = "; ".join(
            f"{o.position}{'*' if o.correct else ''}: {TAGS.sub('', o.html)} ({o.chosen})"
            for o in item.options
        )
        rows.append(
            [
                inert_text(item.question.slug),
                item.question.type,
                str(item.answers),
                "" if item.facility is None else f"{item.facility:.2f}",
                "" if item.discrimination is None else f"{item.discrimination:.2f}",
                inert_text(options),
                inert_text("; ".join(labels[f] for f in item.flags)),
            ]
        )
    return Response(
        excel_csv(header, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{course.slug}-questions.csv"'},
    )
