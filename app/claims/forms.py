"""Forms of the claim pages: a learner's new claim, and HR's decision on one."""

from __future__ import annotations

import math
import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from app.claims.services import REASON_MAX, TEXT_MAX
from app.web.forms import AcademyForm


class HoursField(StringField):
    """A number of hours as typed: full-width digits (８．５) are read as ordinary ones, and
    anything else than a number gets a message saying how to write it."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Read the typed text as a float (None when left empty)."""
        self.raw_text = valuelist[0] if valuelist else ""
        text = unicodedata.normalize("NFKC", str(self.raw_text)).strip()
        if not text:
            self.data = None
            return
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            self.data = None
            raise ValueError(_l("Give the hours as a number, such as 8 or 7.5."))
        self.data = value

    def _value(self) -> str:
        if getattr(self, "raw_text", None) is not None:
            return str(self.raw_text)
        if self.data is None:
            return ""
        return f"{self.data:g}"


class ClaimForm(AcademyForm):
    """Training done elsewhere: what, by whom, when, how many hours, and the evidence."""

    title = StringField(
        _l("Title of the training"),
        validators=[DataRequired(_l("Give the title of the training.")), Length(max=TEXT_MAX)],
    )
    organiser = StringField(
        _l("Organised by"),
        validators=[
            DataRequired(_l("Give who organised the training.")),
            Length(max=TEXT_MAX),
        ],
    )
    started_on = DateField(
        _l("First day"), validators=[InputRequired(_l("Give the first day of the training."))]
    )
    ended_on = DateField(
        _l("Last day"), validators=[InputRequired(_l("Give the last day of the training."))]
    )
    hours = HoursField(
        _l("Credit hours claimed"),
        validators=[InputRequired(_l("Give the hours as a number, such as 8 or 7.5."))],
        render_kw={"inputmode": "decimal"},
    )
    evidence = FileField(
        _l("Evidence (certificate or attendance record)"),
        validators=[FileRequired(_l("Choose the file of your certificate or attendance record."))],
        # Only a hint to the browser's file chooser: the content is what is checked.
        render_kw={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"},
    )


class DecisionForm(AcademyForm):
    """HR's decision: approve (with the hours, at most those claimed) or reject, and why."""

    decision = StringField(
        validators=[
            DataRequired(_l("Choose Approve or Reject.")),
            AnyOf(("approve", "reject"), message=_l("Choose Approve or Reject.")),
        ]
    )
    hours = HoursField(
        _l("Credit hours approved"), validators=[Optional()], render_kw={"inputmode": "decimal"}
    )
    reason = TextAreaField(
        _l("Reason (the learner sees it; needed to reject or to approve fewer hours)"),
        validators=[Length(max=REASON_MAX)],
    )
