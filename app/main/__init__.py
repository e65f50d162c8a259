"""The home page and site-wide pages (language choice)."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from app.main import routes  # noqa: E402,F401  (registers the views on bp)
