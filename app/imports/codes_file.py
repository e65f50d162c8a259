"""The activation codes file handed to HR after a users import (never stored in clear)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app

from app.web.spreadsheet import excel_csv, inert_text

CODES_COLUMNS = ("username", "full_name", "unit_code", "activation_code", "expires_at")


@dataclass(frozen=True)
class IssuedCode:
    """An activation code to hand to a new user (only ever held in memory)."""

    username: str
    full_name: str
    unit_code: str
    code: str
    expires_at: datetime


def codes_csv(issued: list[IssuedCode]) -> str:
    """The codes file for HR: UTF-8 with a BOM (so Excel shows Chinese names), one row each."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC"))
    rows = (
        [
            inert_text(item.username),
            inert_text(item.full_name),
            inert_text(item.unit_code),
            item.code,
            item.expires_at.astimezone(zone).isoformat(timespec="minutes"),
        ]
        for item in issued
    )
    return excel_csv(CODES_COLUMNS, rows)


def write_private(path: Path, text: str) -> None:
    """Write the codes file readable by its owner only (each code signs someone in once)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an existing file keeps its mode through O_CREAT
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
