"""Forms of the quiz pages. Answers are read from the raw form (`q-<question id>`), because the
questions of an attempt are only known at run time; the token and CSRF come through WTForms."""

from __future__ import annotations

from wtforms import HiddenField
from wtforms.validators import DataRequired, Length

from app.web.forms import AcademyForm


class SubmitAttemptForm(AcademyForm):
    """The quiz form's fixed part: which attempt these answers belong to."""

    attempt_token = HiddenField(validators=[DataRequired(), Length(max=64)])


class NewAttemptForm(AcademyForm):
    """The "take the quiz again" button."""


class StartAttemptForm(AcademyForm):
    """The start page's Start button of a timed or attempt-limited quiz."""
