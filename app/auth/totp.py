"""The second factor itself: TOTP secrets (RFC 6238) and one-time recovery codes.

A TOTP secret is kept encrypted (Fernet, with a key derived from SECRET_KEY by HKDF): the server
has to read it back to compute codes, so it cannot be hashed, and a database copy alone must not
give away every account's second factor. Recovery codes are kept as keyed hashes only.

Each accepted code is used up: a TOTP code by moving the credential's last used time step past
it, a recovery code by stamping `used_at`. Both are done with a conditional UPDATE, so two
requests racing with the same code cannot both succeed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from app.auth.codes import ALPHABET, normalise_code
from app.models import RecoveryCode, TotpCredential, User
from app.models.types import utcnow

ISSUER = "Digital Skills Academy"
STEP_SECONDS = 30
DIGITS = 6
# Codes of the step before and after the current one are accepted too: a phone whose clock is
# a little off, or a code typed just as it changed, still works.
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_LENGTH = 10


def _fernet() -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"academy:totp-secret:v1"
    ).derive(current_app.config["SECRET_KEY"].encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


def seal_secret(secret: str) -> str:
    """The base32 secret as stored: encrypted and authenticated."""
    return _fernet().encrypt(secret.encode("ascii")).decode("ascii")


def open_secret(credential: TotpCredential) -> str | None:
    """The credential's base32 secret, or None when SECRET_KEY has changed since it was stored."""
    try:
        return _fernet().decrypt(credential.secret.encode("ascii")).decode("ascii")
    except InvalidToken:
        return None


def credential_of(session: Session, user: User) -> TotpCredential | None:
    """The user's TOTP credential, confirmed or still being enrolled, if any."""
    return session.scalar(select(TotpCredential).where(TotpCredential.user_id == user.id))


def new_credential(session: Session, user: User) -> TotpCredential:
    """Replace any credential of `user` with an unconfirmed one holding a fresh secret."""
    session.execute(delete(TotpCredential).where(TotpCredential.user_id == user.id))
    credential = TotpCredential(user_id=user.id, secret=seal_secret(pyotp.random_base32()))
    session.add(credential)
    session.flush()
    return credential


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=user.username, issuer_name=ISSUER
    )


def qr_svg(uri: str) -> str:
    """The QR code of `uri` as an inline <svg> element (made here: no outside service)."""
    return segno.make(uri, error="m").svg_inline(
        dark="#000", light="#fff", border=4, omitsize=True
    )


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def time_step(now: datetime | None = None) -> int:
    """The TOTP time step (Unix time // 30) of `now`."""
    return int((now or utcnow()).timestamp()) // STEP_SECONDS


def looks_like_totp(code: str) -> bool:
    """Six digits once spaces are taken out: what an authenticator app shows."""
    digits = code.replace(" ", "").strip()
    return len(digits) == DIGITS and digits.isascii() and digits.isdigit()


def use_totp(
    session: Session, credential: TotpCredential, code: str, now: datetime | None = None
) -> bool:
    """Accept a code of the credential's secret once; a code already used (or an older
    one) is refused, even within its 30 seconds."""
    if not looks_like_totp(code):
        return False
    secret = open_secret(credential)
    if secret is None:
        return False
    code = code.replace(" ", "").strip()
    generator = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = time_step(now)
    matched = [
        step
        for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1)
        if hmac.compare_digest(generator.generate_otp(step), code)
    ]
    if not matched:
        return False
    step = max(matched)
    claimed = session.execute(
        update(TotpCredential)
        .where(
            TotpCredential.id == credential.id,
            or_(TotpCredential.last_used_step.is_(None), TotpCredential.last_used_step < step),
        )
        .values(last_used_step=step)
        .execution_options(synchronize_session=False)
    )
    session.expire(credential, ["last_used_step"])
    return claimed.rowcount == 1


def hash_recovery_code(code: str) -> str:
    """The keyed hash stored for a recovery code (hex, 64 characters)."""
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    message = b"recovery-code:" + normalise_code(code).encode("ascii", "replace")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def new_recovery_code() -> str:
    """A fresh code grouped for reading: `ABCDE-FGHJK` (no look-alike characters)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def replace_recovery_codes(session: Session, user: User) -> list[str]:
    """Give `user` ten new recovery codes (the old ones stop working); return them, once."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes: list[str] = []
    while len(codes) < RECOVERY_CODE_COUNT:
        code = new_recovery_code()
        if code not in codes:
            codes.append(code)
    session.add_all(RecoveryCode(user_id=user.id, code_hash=hash_recovery_code(c)) for c in codes)
    session.flush()
    return codes


def use_recovery_code(session: Session, user: User, code: str) -> bool:
    """Accept one of the user's unused recovery codes, once."""
    if len(normalise_code(code)) != RECOVERY_CODE_LENGTH:
        return False
    claimed = session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == hash_recovery_code(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1


def recovery_codes_left(session: Session, user: User) -> int:
    """How many of the user's recovery codes are still unused."""
    return (
        session.scalar(
            select(func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


def remove_all(session: Session, user: User) -> bool:
    """Delete the user's TOTP credential and recovery codes; whether there was a credential."""
    removed = session.execute(delete(TotpCredential).where(TotpCredential.user_id == user.id))
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    return removed.rowcount > 0
