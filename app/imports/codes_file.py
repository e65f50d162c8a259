"""The activation codes file handed to HR after a users import (never stored in clear)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

CODES_COLUMNS = ("username", "full_name", "unit_code", "activation_code", "expires_at")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class IssuedCode:
    """An activation code to hand to a new user (only ever held in memory)."""

    username: str
    full_name: str
    unit_code: str
    code: str
    expires_at: datetime


def _cell(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def codes_csv(issued: list[IssuedCode]) -> str:
    """The codes file for HR: UTF-8 with a BOM (so Excel shows Chinese names), one row each."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC"))
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CODES_COLUMNS)
    for item in issued:
        writer.writerow(
            [
                _cell(item.username),
                _cell(item.full_name),
                _cell(item.unit_code),
                item.code,
                item.expires_at.astimezone(zone).isoformat(timespec="minutes"),
            ]
        )
    return out.getvalue()
