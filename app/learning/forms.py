"""Forms of the learner pages."""

from __future__ import annotations

from app.web.forms import AcademyForm


class CompleteLessonForm(AcademyForm):
    """The "mark as complete" button (only the CSRF token)."""
