"""Fetching courses from a real git repository, and trusting only signed webhooks."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from app.studio import git_source
from app.studio.git_source import GitSourceError, pull
from tests.studio.conftest import git

COURSE_MD = "---\nid: {id}\ntitle: T\n---\nOverview.\n"


@pytest.fixture
def origin(tmp_path: Path) -> tuple[Path, Path]:
    """A bare repository with two courses, and a working copy to commit to it from."""
    bare, work = tmp_path / "origin.git", tmp_path / "work"
    git("init", "--quiet", "--bare", "--initial-branch=main", str(bare), cwd=tmp_path)
    git("init", "--quiet", "--initial-branch=main", str(work), cwd=tmp_path)
    for course in ("c1", "c2"):
        (work / "courses" / course).mkdir(parents=True)
        (work / "courses" / course / "course.md").write_text(COURSE_MD.format(id=course))
    _commit(work, "two courses")
    git("remote", "add", "origin", str(bare), cwd=work)
    git("push", "--quiet", "origin", "main", cwd=work)
    return bare, work


def _commit(work: Path, message: str) -> None:
    git("add", "-A", cwd=work)
    git("commit", "--quiet", "-m", message, cwd=work)


def test_the_first_pull_clones_and_everything_is_new(origin, tmp_path):
    bare, _work = origin
    result = pull(str(bare), tmp_path / "checkout")
    assert (result.checkout / "courses" / "c1" / "course.md").is_file()
    assert result.previous is None and git_source.changed_files(result) is None
    folders = [result.checkout / "courses" / "c1", result.checkout / "courses" / "c2"]
    assert git_source.changed_courses(folders, result.checkout, None) == folders


def test_a_second_pull_names_only_the_courses_that_changed(origin, tmp_path):
    bare, work = origin
    first = pull(str(bare), tmp_path / "checkout")
    (work / "courses" / "c2" / "course.md").write_text(COURSE_MD.format(id="c2") + "More.\n")
    _commit(work, "change c2")
    git("push", "--quiet", "origin", "main", cwd=work)
    second = pull(str(bare), tmp_path / "checkout")
    assert second.previous == first.commit and second.changed
    changed = git_source.changed_files(second)
    assert changed == ["courses/c2/course.md"]
    folders = [second.checkout / "courses" / "c1", second.checkout / "courses" / "c2"]
    assert git_source.changed_courses(folders, second.checkout, changed) == [folders[1]]


def test_a_pull_with_nothing_new_changes_nothing(origin, tmp_path):
    bare, _work = origin
    pull(str(bare), tmp_path / "checkout")
    again = pull(str(bare), tmp_path / "checkout")
    assert not again.changed and git_source.changed_files(again) == []


def test_a_branch_can_be_named(origin, tmp_path):
    bare, work = origin
    git("checkout", "--quiet", "-b", "draft", cwd=work)
    (work / "courses" / "c3").mkdir()
    (work / "courses" / "c3" / "course.md").write_text(COURSE_MD.format(id="c3"))
    _commit(work, "c3 on a branch")
    git("push", "--quiet", "origin", "draft", cwd=work)
    assert not (pull(str(bare), tmp_path / "a").checkout / "courses" / "c3").exists()
    assert (pull(str(bare), tmp_path / "b", ref="draft").checkout / "courses" / "c3").exists()


def test_files_left_in_the_checkout_are_cleaned_away(origin, tmp_path):
    bare, _work = origin
    result = pull(str(bare), tmp_path / "checkout")
    (result.checkout / "courses" / "c1" / "stray.md").write_text("not in git")
    pull(str(bare), tmp_path / "checkout")
    assert not (result.checkout / "courses" / "c1" / "stray.md").exists()


def test_a_missing_repository_is_a_clear_error(tmp_path):
    with pytest.raises(GitSourceError, match="git clone failed"):
        pull(str(tmp_path / "nowhere.git"), tmp_path / "checkout")


@pytest.mark.parametrize("ref", ["--upload-pack=touch /tmp/x", "a..b", "-x"])
def test_a_ref_that_could_be_an_option_is_refused(origin, tmp_path, ref):
    with pytest.raises(GitSourceError, match="not a branch"):
        pull(str(origin[0]), tmp_path / "checkout", ref=ref)


def test_a_url_that_could_be_an_option_is_refused(tmp_path):
    with pytest.raises(GitSourceError, match="not a repository"):
        pull("--upload-pack=touch /tmp/pwned", tmp_path / "checkout")


def test_the_ext_protocol_is_not_allowed(tmp_path):
    marker = tmp_path / "ran"
    with pytest.raises(GitSourceError):
        pull(f"ext::sh -c touch% {marker}", tmp_path / "checkout")
    assert not marker.exists()


def test_a_server_that_never_answers_times_out_with_a_clear_error(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def hold() -> None:  # accept and say nothing, like a firewall that swallows packets
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    started = time.monotonic()
    try:
        with pytest.raises(GitSourceError, match="did not answer within 2 seconds"):
            pull(f"http://127.0.0.1:{port}/course.git", tmp_path / "checkout", timeout=2)
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()
    assert time.monotonic() - started < 10


# --- webhooks -------------------------------------------------------------------------------

SECRET = "s3cret-hook-key"
BODY = b'{"ref": "refs/heads/main"}'


def test_a_github_signature_is_trusted_and_a_wrong_one_is_not():
    good = {"X-Hub-Signature-256": git_source.sign_github(SECRET, BODY)}
    assert git_source.webhook_sender(SECRET, BODY, good) == "github"
    assert git_source.webhook_sender("other", BODY, good) is None
    assert git_source.webhook_sender(SECRET, BODY + b" ", good) is None


def test_a_gitea_signature_is_trusted():
    signature = git_source.sign_github(SECRET, BODY).removeprefix("sha256=")
    assert git_source.webhook_sender(SECRET, BODY, {"X-Gitea-Signature": signature}) == "gitea"
    assert git_source.webhook_sender(SECRET, BODY, {"X-Gitea-Signature": "0" * 64}) is None


@pytest.mark.parametrize("secret", ["whsec_c2VjcmV0LWtleS1ieXRlcy0zMi1sb25nLi4uLi4u", SECRET])
def test_a_gitlab_standard_webhook_signature_is_trusted_while_fresh(secret):
    now = int(time.time())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(now),
        "webhook-signature": git_source.sign_standard(secret, BODY, "msg_1", now),
    }
    assert git_source.webhook_sender(secret, BODY, headers) == "gitlab"
    stale = dict(headers, **{"webhook-timestamp": str(now - 3600)})
    stale["webhook-signature"] = git_source.sign_standard(secret, BODY, "msg_1", now - 3600)
    assert git_source.webhook_sender(secret, BODY, stale) is None


def test_no_signature_or_no_secret_trusts_nobody():
    assert git_source.webhook_sender(SECRET, BODY, {}) is None
    assert git_source.webhook_sender(SECRET, BODY, {"X-Gitlab-Token": SECRET}) is None
    good = {"X-Hub-Signature-256": git_source.sign_github("", BODY)}
    assert git_source.webhook_sender("", BODY, good) is None
