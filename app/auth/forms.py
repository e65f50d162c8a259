"""Forms of the accounts pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from app.auth.passwords import MAX_LENGTH
from app.web.forms import AcademyForm


class LoginForm(AcademyForm):
    """Sign in with a username and password."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    next = HiddenField()


class ChangePasswordForm(AcademyForm):
    """Choose a new password, confirming the current one."""

    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    # The policy itself (length, common passwords) is checked by the service, which gives the
    # reasons; the field only stops absurd input before it is hashed.
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=MAX_LENGTH * 4)]
    )
    confirm_password = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(),
            EqualTo("new_password", message=_l("The two new passwords differ.")),
        ],
    )


class EmptyForm(AcademyForm):
    """A form with only the CSRF token, for buttons such as sign out."""


class ActivateForm(AcademyForm):
    """First sign-in of an imported account: the activation code and a new password."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=200)])
    code = StringField(_l("Activation code"), validators=[DataRequired(), Length(max=40)])
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=MAX_LENGTH * 4)]
    )
    confirm_password = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(),
            EqualTo("new_password", message=_l("The two new passwords differ.")),
        ],
    )


class SecondFactorForm(AcademyForm):
    """The second sign-in step: a code from the authenticator app, or a recovery code."""

    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[DataRequired(), Length(max=40)],
    )


class TotpCodeForm(AcademyForm):
    """A code from the authenticator app, to confirm a change to the second factor."""

    code = StringField(
        _l("Code from your authenticator app"), validators=[DataRequired(), Length(max=40)]
    )


class TurnOffSecondFactorForm(AcademyForm):
    """Turning the second factor off: the password, or a code from the app."""

    password_or_code = PasswordField(
        _l("Your password, or a code from your authenticator app"),
        validators=[DataRequired(), Length(max=MAX_LENGTH * 4)],
    )
