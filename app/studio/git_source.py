"""Courses from git: fetching a repository with the `git` binary, and trusting a webhook.

A repository is cloned once into the instance folder and fetched on each pull; the checkout is
then read like any course folder, through the intake gate (app.content.intake), so a symbolic
link committed to the repository is refused there, never followed. Git runs without a terminal,
without hooks, with only the network protocols a course repository needs, and with a time limit,
so a URL that does not answer gives a clear error instead of a hung request or command.

Webhooks are trusted only with a valid HMAC-SHA256 signature of the body, in the header each
forge sends: GitHub `X-Hub-Signature-256: sha256=<hex>`, Gitea and Forgejo
`X-Gitea-Signature`/`X-Forgejo-Signature: <hex>`, GitLab's signing token (Standard Webhooks:
`webhook-signature: v1,<base64>` over `<webhook-id>.<webhook-timestamp>.<body>`, refused when the
timestamp is more than five minutes away, so a captured delivery cannot be replayed later).
GitLab's older `X-Gitlab-Token` is a password sent in clear, not a signature, and is not accepted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import subprocess
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

GIT_TIMEOUT_SECONDS = 60
# Protocols a course repository is reached by; `ext::` and the like could run commands.
ALLOWED_PROTOCOLS = "https:http:ssh:git:file"
TIMESTAMP_TOLERANCE_SECONDS = 300
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$")


class GitSourceError(RuntimeError):
    """Git could not fetch the repository; the message says what happened and what to try."""


@dataclass(frozen=True)
class PullResult:
    """Where the checkout stands after a pull, and where it stood before (None: first clone)."""

    checkout: Path
    commit: str
    previous: str | None

    @property
    def changed(self) -> bool:
        """Whether the pull brought anything new."""
        return self.commit != self.previous


def checkout_folder(root: Path, url: str) -> Path:
    """The folder under `root` that holds the checkout of `url` (one per repository)."""
    return root / hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def pull(
    url: str, checkout: Path, *, ref: str | None = None, timeout: float = GIT_TIMEOUT_SECONDS
) -> PullResult:
    """Clone `url` into `checkout`, or fetch it there, and check out `ref` (default branch)."""
    if ref is not None and (not _REF.match(ref) or ".." in ref):
        raise GitSourceError(f"{ref!r} is not a branch or tag name.")
    if url.startswith("-"):
        raise GitSourceError(f"{url!r} is not a repository address.")
    previous = None
    if not (checkout / ".git").is_dir():
        checkout.parent.mkdir(parents=True, exist_ok=True)
        _git(["clone", "--quiet", "--no-checkout", "--", url, str(checkout)], timeout=timeout)
    else:
        previous = _git(["rev-parse", "HEAD"], cwd=checkout, timeout=timeout, check=False)
        previous = previous or None
        _git(["remote", "set-url", "origin", "--", url], cwd=checkout, timeout=timeout)
    target = ref or "HEAD"
    _git(["fetch", "--quiet", "origin", "--", target], cwd=checkout, timeout=timeout)
    _git(
        ["checkout", "--quiet", "--force", "--detach", "FETCH_HEAD"], cwd=checkout, timeout=timeout
    )
    _git(["clean", "--quiet", "-d", "--force", "-x"], cwd=checkout, timeout=timeout)
    commit = _git(["rev-parse", "HEAD"], cwd=checkout, timeout=timeout)
    return PullResult(checkout, commit, previous)


def changed_files(result: PullResult, *, timeout: float = GIT_TIMEOUT_SECONDS) -> list[str] | None:
    """Paths changed between the previous and the new commit (None: everything is new)."""
    if result.previous is None:
        return None
    if not result.changed:
        return []
    out = _git(
        ["diff", "--name-only", "--no-renames", result.previous, result.commit],
        cwd=result.checkout,
        timeout=timeout,
        check=False,
    )
    if out is None:
        return None  # the old commit is gone (a force push beyond the fetched depth)
    return [line for line in out.splitlines() if line]


def changed_courses(
    course_folders: Iterable[Path], root: Path, changed: list[str] | None
) -> list[Path]:
    """The course folders (under `root`) holding any of the changed paths; all when None."""
    folders = sorted(course_folders)
    if changed is None:
        return folders
    paths = [PurePosixPath(path) for path in changed]
    return [
        folder
        for folder in folders
        if any(path.is_relative_to(folder.relative_to(root).as_posix()) for path in paths)
    ]


def _git(
    args: list[str], *, cwd: Path | None = None, timeout: float, check: bool = True
) -> str | None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/nonexistent"),
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "/bin/true",
        "GIT_SSH_COMMAND": "ssh -o BatchMode=yes -o ConnectTimeout=15",
        "GIT_ALLOW_PROTOCOL": ALLOWED_PROTOCOLS,
        "GIT_CONFIG_NOSYSTEM": "1",
        "LC_ALL": "C",
    }
    command = ["git", "-c", "core.hooksPath=/dev/null", "-c", "credential.helper=", *args]
    try:
        # No shell; the URL and ref were checked above and come after `--`, never as options.
        done = subprocess.run(  # noqa: S603
            command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise GitSourceError(
            f"git did not answer within {timeout:g} seconds. Check the address, and that this"
            " server can reach it."
        ) from None
    except FileNotFoundError:
        raise GitSourceError("The git program is not installed on this server.") from None
    if done.returncode != 0:
        if not check:
            return None
        detail = (done.stderr or done.stdout).strip().splitlines()
        reason = detail[-1] if detail else f"exit status {done.returncode}"
        raise GitSourceError(f"git {args[0]} failed: {reason}")
    return done.stdout.strip()


def webhook_sender(secret: str, body: bytes, headers: Mapping[str, str]) -> str | None:
    """Which forge signed this delivery with `secret` ('github', 'gitea', 'gitlab'), or None
    when no signature is present and valid. Every comparison is constant-time."""
    if not secret:
        return None
    key = secret.encode("utf-8")
    signature = headers.get("X-Hub-Signature-256", "")
    if signature.startswith("sha256="):
        if hmac.compare_digest(signature[7:].lower(), _hex_hmac(key, body)):
            return "github"
        return None
    for name in ("X-Gitea-Signature", "X-Forgejo-Signature", "X-Gogs-Signature"):
        if headers.get(name):
            return (
                "gitea"
                if hmac.compare_digest(headers[name].lower(), _hex_hmac(key, body))
                else None
            )
    if headers.get("webhook-signature"):
        return "gitlab" if _standard_webhook_valid(secret, body, headers) else None
    return None


def sign_github(secret: str, body: bytes) -> str:
    """The `X-Hub-Signature-256` value a sender computes (for tests and for trying a hook)."""
    return "sha256=" + _hex_hmac(secret.encode("utf-8"), body)


def sign_standard(secret: str, body: bytes, webhook_id: str, timestamp: int) -> str:
    """The `webhook-signature` value of a Standard Webhooks sender such as GitLab."""
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(_standard_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def _hex_hmac(key: bytes, body: bytes) -> str:
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def _standard_key(secret: str) -> bytes:
    # Standard Webhooks secrets are `whsec_` and the key in base64; anything else is the key.
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret[6:], validate=True)
        except ValueError:
            pass
    return secret.encode("utf-8")


def _standard_webhook_valid(secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    webhook_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    if not webhook_id or not stamp.isdigit():
        return False
    if abs(time.time() - int(stamp)) > TIMESTAMP_TOLERANCE_SECONDS:
        return False
    expected = sign_standard(secret, body, webhook_id, int(stamp))
    # The header may carry several space-separated signatures (key rotation).
    return any(
        hmac.compare_digest(candidate, expected)
        for candidate in headers["webhook-signature"].split()
    )
