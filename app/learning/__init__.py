"""Learning: catalogue, course and lesson pages, stored progress, the learner's dashboard."""

from flask import Blueprint

bp = Blueprint("learning", __name__)
