"""Accounts: sign in, sign out, change password."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.auth import activation, routes  # noqa: E402,F401  (registers the views on bp)
