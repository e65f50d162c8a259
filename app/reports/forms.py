"""Forms of the report pages: granting a learner more attempts at a quiz, adjusting credit
hours."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import FloatField, HiddenField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from app.credits.ledger import MAX_ADJUSTMENT
from app.models.quiz import REASON_MAX_LENGTH
from app.quiz.grants import MAX_GRANT_COUNT
from app.web.forms import AcademyForm


class GrantAttemptsForm(AcademyForm):
    """N more attempts at one lesson's quiz for the learner whose record this is, and why."""

    course = HiddenField(validators=[DataRequired(), Length(max=64)])
    lesson = HiddenField(validators=[DataRequired(), Length(max=64)])
    count = IntegerField(
        _l("Extra attempts"),
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_GRANT_COUNT)],
    )
    reason = TextAreaField(
        _l("Reason (the learner sees it)"),
        validators=[DataRequired(), Length(max=REASON_MAX_LENGTH)],
    )

    def with_ids_for(self, lesson_id: int) -> GrantAttemptsForm:
        """The form with element ids unique to one lesson (the page has a form per lesson)."""
        for field in self:
            field.id = f"{field.name}-{lesson_id}"
            field.label.field_id = field.id
        return self


class AdjustCreditsForm(AcademyForm):
    """An administrator's correction of a learner's credit hours in one year, and why."""

    hours = FloatField(
        _l("Credit hours (negative to take away)"),
        validators=[InputRequired(), NumberRange(min=-MAX_ADJUSTMENT, max=MAX_ADJUSTMENT)],
    )
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=2000, max=2100)])
    reason = TextAreaField(
        _l("Reason (the learner sees it)"), validators=[DataRequired(), Length(max=500)]
    )
