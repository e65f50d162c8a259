"""All models, imported here so Alembic and the app see one complete metadata."""

from app.models.audit import AuditEvent
from app.models.identity import ROLES, LoginAttempt, Unit, User, UserRole

__all__ = ["ROLES", "AuditEvent", "LoginAttempt", "Unit", "User", "UserRole"]
