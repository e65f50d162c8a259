"""The base of every form here: Flask-WTF's, with WTForms' own messages from a cached catalog.

Flask-WTF loads WTForms' message catalog from disk once per request; the catalogs never change
while the app runs, so one load per language is enough.
"""

from __future__ import annotations

from functools import cache

from babel import support
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path


@cache
def _catalog(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _WTFormsTranslations:
    """WTForms' messages ("This field is required.") in the request's language."""

    def gettext(self, string: str) -> str:
        return _catalog(str(get_locale() or "en")).ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _catalog(str(get_locale() or "en")).ungettext(singular, plural, n)


_TRANSLATIONS = _WTFormsTranslations()


class AcademyForm(FlaskForm):
    """A Flask-WTF form (CSRF included) whose built-in messages come from the cached catalog."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form: object) -> _WTFormsTranslations:  # noqa: ARG002
            return _TRANSLATIONS
