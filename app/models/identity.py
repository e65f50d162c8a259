"""People and organisation: units (a tree), users, their roles, and the sign-in throttle."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models.types import UTCDateTime, utcnow

ROLES = ("learner", "trainer", "hr", "admin")


class Unit(Base):
    """An organisational unit (bureau, department, county office) in a tree.

    `path` is the materialised path of ids from the root, e.g. `/1/5/23/`, so "this unit and
    everything below it" is one range over the path index: `'/1/5/' <= path < '/1/50'`
    (`app.organisation.tree.in_subtree`). The range needs byte order, where '/' sorts just
    below '0': SQLite's default, and the "C" collation on PostgreSQL, whatever the database's
    own collation is.
    """

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(
        String(400).with_variant(String(400, collation="C"), "postgresql"), index=True
    )
    depth: Mapped[int] = mapped_column(Integer, default=0)

    parent: Mapped[Unit | None] = relationship(remote_side=[id])

    __table_args__ = (CheckConstraint("depth >= 0", name="depth_non_negative"),)

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class User(Base):
    """A person who signs in: learner, trainer, HR officer or administrator (or several)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    employee_number: Mapped[str | None] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    # Null until the user has chosen a password (imported users activate with a one-time code).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # HMAC-SHA256 (hex) of the one-time activation code, and when the code stops working.
    activation_code_hash: Mapped[str | None] = mapped_column(String(64))
    activation_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # Part of the login cookie; replacing it ends every session of this user at once.
    session_token: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(8))
    # Cadre category (厅局级, 县处级...): one of CREDIT_CATEGORIES, which sets the yearly target.
    category: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit | None] = relationship()
    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="joined"
    )

    __table_args__ = (
        CheckConstraint("length(username) > 0", name="username_not_empty"),
        CheckConstraint("locale IS NULL OR locale IN ('en', 'zh')", name="locale_known"),
    )

    @property
    def role_names(self) -> set[str]:
        """The names of the roles this user holds."""
        return {role.role for role in self.roles}

    def has_role(self, name: str) -> bool:
        """Whether the user holds the role `name`."""
        return name in self.role_names

    # Flask-Login's user protocol. The login cookie carries the session token as well as the
    # id, so replacing the token ends every session of this user.
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        """Every loaded user is signed in (disabled users are never loaded)."""
        return True

    def get_id(self) -> str:
        """The value stored in the login cookie."""
        return f"{self.id}:{self.session_token}"

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserRole(Base):
    """One role held by a user. An HR role is scoped to `scope_unit_id` (and its subtree)."""

    __tablename__ = "user_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    scope_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)

    user: Mapped[User] = relationship(back_populates="roles")
    scope_unit: Mapped[Unit | None] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "role"),
        CheckConstraint("role IN ('learner', 'trainer', 'hr', 'admin')", name="role_known"),
        CheckConstraint("role <> 'hr' OR scope_unit_id IS NOT NULL", name="hr_has_scope"),
    )


class LoginAttempt(Base):
    """A sign-in try, kept in the database so throttling holds across all workers."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_login_attempts_username_created_at", "username", "created_at"),
        Index("ix_login_attempts_address_created_at", "address", "created_at"),
        Index("ix_login_attempts_created_at", "created_at"),
    )


class LoginThrottle(Base):
    """One row per username that has been tried: the lock that makes the throttle atomic.

    Every password check for a username first upserts this row, which locks it until the
    transaction ends (app.auth.throttle.lock_account). Parallel tries for one account therefore
    count and check one after another, on PostgreSQL as on SQLite, and no more wrong passwords
    are checked than the limit allows. The counts themselves stay in `login_attempts`.
    """

    __tablename__ = "login_throttles"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    # When the row was last locked; rows unused for a day are deleted as new tries arrive.
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
