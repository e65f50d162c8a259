"""The form of the certificate pages: revoking a certificate, with its reason."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from app.certificates.revocation import MAX_REASON
from app.web.forms import AcademyForm


class RevokeForm(AcademyForm):
    """Why the certificate is revoked: the learner reads it; /verify shows only the date."""

    reason = TextAreaField(
        _l("Reason (the learner reads it; the public check shows only that and when)"),
        validators=[DataRequired(), Length(max=MAX_REASON)],
    )
