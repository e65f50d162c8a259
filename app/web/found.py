"""The course or lesson a URL names, as the signed-in person may see it, or a 404.

A draft course is a 404 for a learner, exactly like a course that does not exist, so the URL
reveals nothing (see app.content.lookup for who may open what).
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from app.content import lookup
from app.db import db
from app.models import Course, Lesson


def course_or_404(course_slug: str) -> Course:
    """The course the URL names, if the signed-in person may open it."""
    course = lookup.course_by_slug(db.session, course_slug, user=current_user)
    if course is None:
        abort(404)
    return course


def lesson_or_404(
    course_slug: str, lesson_slug: str, *, quiz: bool = False
) -> tuple[Course, Lesson]:
    """The course and lesson the URL names; with `quiz`, only a lesson that has a quiz."""
    found = lookup.find_lesson(db.session, current_user, course_slug, lesson_slug)
    if found is None or (quiz and not found[1].has_quiz):
        abort(404)
    return found
