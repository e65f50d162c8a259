"""Unit-level completion reports for HR and admins: on screen, as CSV, XLSX and PDF, and a chart."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from app.reports import routes  # noqa: E402,F401  (registers the views on bp)
