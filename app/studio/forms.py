"""Forms of the studio pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from app.web.forms import AcademyForm


class ArchiveUploadForm(AcademyForm):
    """A .zip of one course folder, or of a folder of course folders."""

    archive = FileField(
        _l("Course archive (.zip)"),
        validators=[
            FileRequired(_l("Choose a .zip file of your course folder.")),
            FileAllowed(["zip"], _l("Only .zip archives are accepted.")),
        ],
    )


class ConfirmRevisionForm(AcademyForm):
    """Publishing or discarding a staged revision: the box must be ticked."""

    confirm = BooleanField(
        _l("I have read the check and want to do this"),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )


class EditFileForm(AcademyForm):
    """The text of one course file, edited in the browser."""

    text = TextAreaField(_l("Text of the file"), validators=[Length(max=400_000)])


class StartRevisionForm(AcademyForm):
    """Starting a staged revision from the published files: a button, nothing to fill in."""


class GiftImportForm(AcademyForm):
    """A Moodle GIFT question bank and the name of the pool it becomes."""

    gift = FileField(
        _l("Question bank in GIFT format (.txt)"),
        validators=[FileRequired(_l("Choose the GIFT file exported from Moodle."))],
    )
    pool = StringField(
        _l("Pool name"),
        validators=[
            DataRequired(_l("Give the pool a name, such as final.")),
            Regexp(
                r"^[a-z0-9][a-z0-9-]{0,63}$",
                message=_l("Use lowercase letters, digits and dashes, such as final."),
            ),
        ],
    )
