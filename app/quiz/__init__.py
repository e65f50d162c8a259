"""Quizzes: answering a lesson's questions, grading on the server, results and attempts."""

from flask import Blueprint

bp = Blueprint("quiz", __name__)

from app.quiz import routes  # noqa: E402,F401  (registers the views on bp)
