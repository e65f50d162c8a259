"""Assignments: HR officers and administrators make courses required for a unit's people."""

from flask import Blueprint

bp = Blueprint("assignments", __name__, url_prefix="/assignments")

from app.assignments import routes  # noqa: E402,F401  (registers the views on bp)
