"""Learning: catalogue, course and lesson pages, stored progress, the learner's dashboard."""

from flask import Blueprint

bp = Blueprint("learning", __name__)

from app.learning import routes  # noqa: E402,F401  (registers the views on bp)
