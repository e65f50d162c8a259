"""Forms of the quiz pages. Answers are read from the raw form (`q-<question id>`), because the
questions of an attempt are only known at run time; the token and CSRF come through WTForms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length


class SubmitAttemptForm(FlaskForm):
    """The quiz form's fixed part: which attempt these answers belong to."""

    attempt_token = HiddenField(validators=[DataRequired(), Length(max=64)])


class NewAttemptForm(FlaskForm):
    """The "take the quiz again" button."""
