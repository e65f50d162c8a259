"""Helpers of the studio tests: course files, zips of them, and uploading one as a browser does."""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import csrf_from

COURSE_MD = (
    "---\nid: {id}\ntitle: Course {id}\nsummary: S.\nlanguage: en\ncredit_hours: 1\n"
    "status: published\n---\nOverview.\n"
)
READ = "---\ntitle: Read\nminutes: 5\n---\nJust text.\n"
# Line 9 names a question type that does not exist: an error at that line.
BROKEN_QUIZ = (
    "---\ntitle: Quiz\nminutes: 5\n---\nText <script>alert(1)</script>\n\n"
    "::: quiz\nid: q1\ntype: essay\n\nWhy?\n:::\n"
)
BROKEN_LINE = 9


def course_files(course_id: str, *, broken: bool = False) -> dict[str, str]:
    """A small valid course (or, `broken`, one with an error at BROKEN_LINE of its quiz)."""
    files = {"course.md": COURSE_MD.format(id=course_id), "01-m/01-read.md": READ}
    if broken:
        files["01-m/02-quiz.md"] = BROKEN_QUIZ
    return files


def course_zip(courses: dict[str, dict[str, str | bytes]]) -> io.BytesIO:
    """A zip holding each {folder name: {relative path: content}} as a folder of its own."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder, files in courses.items():
            for name, content in files.items():
                archive.writestr(f"{folder}/{name}" if folder else name, content)
    buffer.seek(0)
    return buffer


def write_course(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write a course folder from {relative path: content}; returns it."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def upload(client: FlaskClient, archive: io.BytesIO, filename: str = "course.zip") -> TestResponse:
    """Post `archive` through the studio home's upload form."""
    token = csrf_from(client.get("/studio").text)
    return client.post(
        "/studio/upload",
        data={"csrf_token": token, "archive": (archive, filename)},
        content_type="multipart/form-data",
    )


def stored_revisions(app: Flask) -> list[str]:
    """The names of the revision folders on disk."""
    root = Path(app.config["INSTANCE_DIR"]) / "studio" / "revisions"
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


@pytest.fixture
def trainer(make_user):  # noqa: ANN001, ANN201
    """A trainer, not yet editor of anything."""
    return make_user("tina", roles={"trainer"})


def git(*args: str, cwd: Path) -> str:
    """Run git in `cwd` as a trainer would (their own name, no global configuration)."""
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(cwd),
            "GIT_AUTHOR_NAME": "Trainer",
            "GIT_AUTHOR_EMAIL": "t@example.org",
            "GIT_COMMITTER_NAME": "Trainer",
            "GIT_COMMITTER_EMAIL": "t@example.org",
        },
    ).stdout.strip()
