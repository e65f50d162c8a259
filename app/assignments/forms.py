"""Forms of the assignment pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.web.forms import AcademyForm


class AssignmentForm(AcademyForm):
    """Assign a course to a unit."""

    unit_code = StringField(_l("Unit code"), validators=[DataRequired(), Length(max=64)])
    course = SelectField(_l("Course"), validators=[DataRequired()], choices=[])
    due_date = DateField(_l("Due date"), validators=[Optional()])
    include_subunits = BooleanField(_l("Include all units below this one"), default=True)
    required = BooleanField(_l("Required (shown to learners as required)"), default=True)


class ConfirmForm(AcademyForm):
    """A confirmation button (only the CSRF token)."""
