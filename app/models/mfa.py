"""A second factor for signing in: a TOTP authenticator and one-time recovery codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models.types import UTCDateTime, utcnow


class TotpCredential(Base):
    """A user's authenticator app (RFC 6238, 30-second steps, 6 digits); at most one per user.

    `secret` holds the base32 secret encrypted with a key derived from SECRET_KEY (see
    app.auth.totp): the server must be able to read it back to compute codes, so it cannot be
    hashed, and a copy of the database alone (a backup, a leaked dump) must not hand out
    everyone's second factor. The price: changing SECRET_KEY makes every user enrol again.

    Until `confirmed_at` is set the credential is only being enrolled and protects nothing.
    `last_used_step` is the time step (Unix time // 30) of the last code accepted, so a code
    seen over someone's shoulder cannot be used again within its window.
    """

    __tablename__ = "totp_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    secret: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_step: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        CheckConstraint("length(secret) > 0", name="secret_not_empty"),
        CheckConstraint(
            "last_used_step IS NULL OR last_used_step >= 0", name="last_used_step_not_negative"
        ),
    )


class RecoveryCode(Base):
    """One of the ten one-time codes that stand in for a lost authenticator.

    Only an HMAC-SHA256 of the code is kept (hex), keyed with SECRET_KEY, as for activation
    codes: the codes are random and high-entropy and wrong guesses are throttled, so a slow
    hash would add nothing. A used code keeps its row with `used_at`, so the page can say how
    many are left and the audit trail stays whole.
    """

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)
