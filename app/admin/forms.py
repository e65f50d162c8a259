"""Forms of the administration pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.models import ROLES
from app.web.forms import AcademyForm

ROLE_LABELS = {
    "learner": _l("Learner"),
    "trainer": _l("Trainer"),
    "hr": _l("HR / training officer (for the user's unit)"),
    "admin": _l("Administrator"),
}
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class CheckboxesField(SelectMultipleField):
    """A set of checkboxes, one per choice, that works without JavaScript."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EditUserForm(AcademyForm):
    """Roles, unit and active flag of one user; deactivation must be confirmed."""

    roles = CheckboxesField(
        _l("Roles"), choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES]
    )
    unit_code = StringField(_l("Unit code"), validators=[Optional(), Length(max=64)])
    # Choices: "" (none) and the configured categories, set by the view (they are settings);
    # the service checks the value, so a category removed from the settings can stay.
    category = SelectField(
        _l("Category"), choices=[], validate_choice=False, validators=[Optional()]
    )
    active = BooleanField(_l("Account is active (the person can sign in)"))
    confirm_deactivate = BooleanField(
        _l("I understand that deactivating signs this person out everywhere at once.")
    )


class ResetSecondFactorForm(AcademyForm):
    """Resets a user's second factor; the box must be ticked."""

    confirm = BooleanField(
        _l("I understand that this signs the person out everywhere and that their role may "
           "make them set up an authenticator again at their next sign-in.")
    )


class UploadForm(AcademyForm):
    """A CSV file to check before anything is imported."""

    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])


class ConfirmImportForm(AcademyForm):
    """Confirms a checked upload; the file travels back signed (see app.imports.sealed)."""

    upload = HiddenField(validators=[DataRequired()])
    new_codes = BooleanField(
        _l("Also give new codes to listed users who have not activated their account yet")
    )


class CodesDownloadForm(AcademyForm):
    """Downloads the activation codes that were just shown."""

    codes = HiddenField(validators=[DataRequired()])


class AuditFilterForm(AcademyForm):
    """The audit log's filters, read from the query string (a GET form: no CSRF token)."""

    class Meta(AcademyForm.Meta):
        csrf = False

    event = SelectField(_l("Event"), validators=[Optional()])
    user = StringField(_l("User or subject"), validators=[Optional(), Length(max=100)])
    exact = BooleanField(_l("Exact match only"))
    date_from = DateField(_l("From"), validators=[Optional()], name="from")
    date_to = DateField(_l("Until"), validators=[Optional()], name="to")

    def validate_date_to(self, field: DateField) -> None:
        """The period must not end before it starts."""
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))


class CourseLookupForm(AcademyForm):
    """Opens the editors page of any course id, synced or not (a GET form: no CSRF token)."""

    class Meta(AcademyForm.Meta):
        csrf = False

    course = StringField(_l("Course id"), validators=[DataRequired(), Length(max=64)])


class CourseEditorForm(AcademyForm):
    """Makes a trainer an editor of the course."""

    username = StringField(
        _l("Username of the trainer"), validators=[DataRequired(), Length(max=64)]
    )


class CreditRuleForm(AcademyForm):
    """A credit rule file (YAML) pasted in, to check and load."""

    text = TextAreaField(
        _l("Rule file (YAML)"),
        validators=[DataRequired(_l("Paste the rule file.")), Length(max=20000)],
    )
    replace = BooleanField(
        _l("Replace the rule of that year for completions from now on (awards already made"
           " keep theirs)")
    )
