"""`courses studio-tidy`: stray studio folders go, staged and published revisions stay."""

from __future__ import annotations

import os
import time
from pathlib import Path

from app.studio import storage
from tests.conftest import Auth, csrf_from
from tests.studio.conftest import course_files, course_zip, stored_revisions, upload


def test_tidy_removes_only_what_no_revision_owns(app, session, make_user):
    make_user("tina", roles={"trainer"})
    client = app.test_client()
    Auth(client).login("tina")
    first = upload(client, course_zip({"t1": course_files("t1")})).headers["Location"]
    token = first.rstrip("/").rsplit("/", 1)[1]
    page = client.get(first).text
    client.post(
        f"/studio/revisions/{token}/publish", data={"csrf_token": csrf_from(page), "confirm": "y"}
    )
    staged = upload(client, course_zip({"t1": course_files("t1", broken=True)})).headers["Location"]
    staged_token = staged.rstrip("/").rsplit("/", 1)[1]
    with app.app_context():
        stray = storage.revisions_dir() / ("0" * 32)
        stray.mkdir()
        (stray / "course.md").write_text("left by a crash", encoding="utf-8")
        old = storage.incoming_dir() / "upload-old"
        old.mkdir()
        an_hour_ago = time.time() - 4000
        os.utime(old, (an_hour_ago, an_hour_ago))
        fresh = storage.incoming_dir() / "upload-fresh"
        fresh.mkdir()

    listed = app.test_cli_runner().invoke(args=["courses", "studio-tidy", "--dry-run"])
    assert listed.exit_code == 0, listed.output
    assert f"Would remove revisions/{'0' * 32}" in listed.output
    assert "Would remove incoming/upload-old" in listed.output
    assert "upload-fresh" not in listed.output
    assert Path(stray).is_dir()

    result = app.test_cli_runner().invoke(args=["courses", "studio-tidy"])
    assert "Removed 2 stray folders." in result.output
    assert stored_revisions(app) == sorted([token, staged_token])
    assert not old.exists() and fresh.is_dir()
