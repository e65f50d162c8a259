"""Administration: users, roles, units, and the units and users imports (admins only)."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from app.admin import routes  # noqa: E402,F401  (registers the views on bp)
