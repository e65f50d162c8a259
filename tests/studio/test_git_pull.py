"""`courses pull` and the git webhook: a real repository on disk, staged and published revisions."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import AuditEvent, Course, CourseRevision
from app.studio.git_source import sign_github, sign_standard
from tests.studio.conftest import course_files, git

SECRET = "hook-secret-for-tests"


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def _push(work: Path, message: str) -> None:
    git("add", "-A", cwd=work)
    git("commit", "--quiet", "-m", message, cwd=work)
    git("push", "--quiet", "origin", "main", cwd=work)


@pytest.fixture
def repo(tmp_path: Path) -> tuple[str, Path]:
    """A bare repository holding the courses g1 and g2 under courses/, and its working copy."""
    bare, work = tmp_path / "courses.git", tmp_path / "work"
    git("init", "--quiet", "--bare", "--initial-branch=main", str(bare), cwd=tmp_path)
    git("init", "--quiet", "--initial-branch=main", str(work), cwd=tmp_path)
    git("remote", "add", "origin", str(bare), cwd=work)
    _write(work / "courses" / "g1", course_files("g1"))
    _write(work / "courses" / "g2", course_files("g2"))
    _push(work, "two courses")
    return str(bare), work


def _revisions(session) -> list[tuple[str, str, str]]:  # noqa: ANN001
    session.expire_all()
    rows = session.execute(
        select(CourseRevision.course_slug, CourseRevision.status, CourseRevision.source).order_by(
            CourseRevision.id
        )
    ).all()
    return [tuple(row) for row in rows]


def test_a_first_pull_stages_every_course_and_a_second_only_what_changed(runner, session, repo):
    url, work = repo
    first = runner.invoke(args=["courses", "pull", url, "--path", "courses"])
    assert first.exit_code == 0, first.output
    assert "g1: staged as revision" in first.output and "g2: staged" in first.output
    assert _revisions(session) == [("g1", "staged", "git"), ("g2", "staged", "git")]

    again = runner.invoke(args=["courses", "pull", url, "--path", "courses"])
    assert again.exit_code == 0 and "No course changed." in again.output

    _write(
        work / "courses" / "g2", {"01-m/01-read.md": "---\ntitle: Read\nminutes: 5\n---\nNew.\n"}
    )
    _push(work, "change g2")
    third = runner.invoke(args=["courses", "pull", url, "--path", "courses"])
    assert third.exit_code == 0, third.output
    assert "g2: staged" in third.output and "g1" not in third.output
    assert _revisions(session) == [
        ("g1", "staged", "git"),
        ("g2", "discarded", "git"),
        ("g2", "staged", "git"),
    ]
    assert session.scalar(select(Course.id)) is None  # staging never publishes


def test_publish_imports_the_changed_courses(runner, session, repo):
    url, _work = repo
    result = runner.invoke(args=["courses", "pull", url, "--path", "courses", "--publish"])
    assert result.exit_code == 0, result.output
    assert "g1: published" in result.output
    session.expire_all()
    assert sorted(session.scalars(select(Course.slug))) == ["g1", "g2"]
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "courses_pulled"))
    assert event.subject == url and len(event.details["courses"]) == 2


def test_a_course_with_errors_is_staged_with_them_not_published(runner, session, repo):
    url, work = repo
    _write(work / "courses" / "g1", course_files("g1", broken=True))
    _push(work, "break g1")
    result = runner.invoke(args=["courses", "pull", url, "--path", "courses", "--publish"])
    assert result.exit_code == 1
    assert "g1: staged as revision" in result.output and "1 errors" in result.output
    session.expire_all()
    assert list(session.scalars(select(Course.slug))) == ["g2"]


def test_a_repository_that_does_not_exist_is_a_clear_error(runner, session, tmp_path):
    result = runner.invoke(args=["courses", "pull", str(tmp_path / "missing.git")])
    assert result.exit_code == 1 and "git clone failed" in result.output
    assert _revisions(session) == []


def test_a_path_outside_the_repository_is_refused(runner, repo):
    url, _work = repo
    result = runner.invoke(args=["courses", "pull", url, "--path", "../.."])
    assert result.exit_code == 1 and "not a folder of the repository" in result.output


# --- the webhook -----------------------------------------------------------------------------


@pytest.fixture
def hooked(app, repo):  # noqa: ANN001, ANN201
    url, _work = repo
    app.config.update(GIT_WEBHOOK_SECRET=SECRET, GIT_COURSES_URL=url, GIT_COURSES_PATH="courses")
    return app


BODY = json.dumps({"ref": "refs/heads/main"}).encode()


def test_without_a_secret_the_hook_does_not_exist(client):
    response = client.post("/studio/hooks/git", data=BODY)
    assert response.status_code == 404


def test_a_wrong_signature_is_refused_with_401_and_logged(hooked, session):
    client = hooked.test_client()
    for headers in ({}, {"X-Hub-Signature-256": sign_github("guess", BODY)}):
        response = client.post("/studio/hooks/git", data=BODY, headers=headers)
        assert response.status_code == 401
    session.expire_all()
    refused = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "git_webhook_refused")
    ).all()
    assert len(refused) == 2
    assert _revisions(session) == []


def test_a_github_delivery_stages_the_courses(hooked, session):
    client = hooked.test_client()
    response = client.post(
        "/studio/hooks/git",
        data=BODY,
        headers={"X-Hub-Signature-256": sign_github(SECRET, BODY), "X-GitHub-Event": "push"},
    )
    assert response.status_code == 200, response.text
    assert response.json["sender"] == "github"
    assert [c["id"] for c in response.json["courses"]] == ["g1", "g2"]
    assert _revisions(session) == [("g1", "staged", "git"), ("g2", "staged", "git")]


def test_a_gitlab_signed_delivery_is_accepted(hooked, session):
    now = int(time.time())
    headers = {
        "webhook-id": "msg_7",
        "webhook-timestamp": str(now),
        "webhook-signature": sign_standard(SECRET, BODY, "msg_7", now),
    }
    response = hooked.test_client().post("/studio/hooks/git", data=BODY, headers=headers)
    assert response.status_code == 200 and response.json["sender"] == "gitlab"


def test_a_repository_that_cannot_be_reached_gives_502(hooked, tmp_path):
    hooked.config["GIT_COURSES_URL"] = str(tmp_path / "gone.git")
    response = hooked.test_client().post(
        "/studio/hooks/git", data=BODY, headers={"X-Hub-Signature-256": sign_github(SECRET, BODY)}
    )
    assert response.status_code == 502 and "git clone failed" in response.json["error"]
