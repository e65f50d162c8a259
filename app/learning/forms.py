"""Forms of the learner pages."""

from __future__ import annotations

from flask_wtf import FlaskForm


class CompleteLessonForm(FlaskForm):
    """The "mark as complete" button (only the CSRF token)."""
