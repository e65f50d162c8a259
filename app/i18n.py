"""Interface language: the person's choice, else the browser's Accept-Language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.lists import format_list as babel_format_list
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel, format_date, format_datetime, format_decimal, get_locale

babel = Babel()


def select_locale() -> str:
    """The language for this request: the header switch's choice, else the browser's."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]  # CLI commands speak English
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    # Browsers send zh-CN, zh-Hans, zh-TW...; all read Simplified Chinese better than English.
    best = request.accept_languages.best_match([*languages, "zh-CN", "zh-Hans", "zh-TW"])
    if best and best.startswith("zh"):
        return "zh"
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def local_now() -> datetime:
    """Now in the academy's time zone (TIMEZONE): what "today" and "this year" mean."""
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))


def html_lang() -> str:
    """The value of <html lang>: a BCP 47 tag screen readers understand."""
    return "zh-Hans" if str(get_locale()) == "zh" else "en"


def format_number(value: float | None) -> str:
    """Credit hours, a score, points or a percentage: at most one decimal, in the page's locale
    (`2`, `1.5`, `1,234`)."""
    return format_decimal(value or 0, format="#,##0.#")


def format_exact_number(value: float) -> str:
    """A number as a course wrote it (a numeric quiz answer): every digit it has and no
    trailing ".0", grouped in the page's locale (`100,000`, `3`, `3.14`)."""
    return format_decimal(value, format="#,##0.############")


def format_list(items: list[str]) -> str:
    """Items joined as the page's language lists them ("3 and 7", "3和7")."""
    return babel_format_list(items, locale=str(get_locale() or "en"))


def init_app(app: Flask) -> None:
    """Set up Flask-Babel and the template helpers for dates and numbers."""
    babel.init_app(app, locale_selector=select_locale)
    app.add_template_filter(format_number, "number")
    app.add_template_filter(format_exact_number, "exact_number")
    # `today` (the local date) for due dates and overdue marks in every template.
    app.context_processor(lambda: {"today": local_now().date()})
    app.jinja_env.globals.update(
        html_lang=html_lang,
        format_date=format_date,
        format_datetime=format_datetime,
        format_decimal=format_decimal,
        format_list=format_list,
        current_locale=lambda: str(get_locale()),
    )
