"""Carrying an uploaded file from its preview to the confirmation, and codes to their download.

Nothing is kept on the server between the two requests (so any worker can take the second):
the content travels in a hidden form field, signed with the SECRET_KEY, compressed, and
refused after an hour. The confirmation checks the file again before writing anything.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

MAX_AGE_SECONDS = 3600


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"admin-{purpose}")


def seal(purpose: str, payload: dict[str, Any]) -> str:
    """A signed, compressed token holding `payload` for the next form."""
    return _serializer(purpose).dumps(payload)


def unseal(purpose: str, token: str) -> dict[str, Any] | None:
    """The payload of a token made by `seal` for the same purpose within the hour, else None."""
    try:
        payload = _serializer(purpose).loads(token, max_age=MAX_AGE_SECONDS)
    except BadData:
        return None
    return payload if isinstance(payload, dict) else None
