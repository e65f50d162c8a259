"""Files that hold secrets are created readable by their owner only (0600)."""

from __future__ import annotations

import stat
from pathlib import Path

from sqlalchemy import text

from app.db import make_engine
from tests import factories


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_database_and_its_wal_are_private(tmp_path: Path):
    database = tmp_path / "instance" / "academy.db"
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
        assert _mode(database) == 0o600
        assert _mode(Path(f"{database}-wal")) == 0o600
    engine.dispose()


def test_the_activation_codes_file_is_private_even_if_it_existed(runner, session, tmp_path):
    factories.unit(session, "CITY")
    users = tmp_path / "users.csv"
    users.write_text("username,full_name,email,unit_code,roles\nann,Ann,,CITY,\n", encoding="utf-8")
    codes = tmp_path / "codes.csv"
    codes.write_text("old", encoding="utf-8")
    codes.chmod(0o644)
    result = runner.invoke(args=["users", "import", str(users), "--codes-out", str(codes)])
    assert result.exit_code == 0, result.output
    assert _mode(codes) == 0o600
    assert "ann" in codes.read_text(encoding="utf-8-sig")
