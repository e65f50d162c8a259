"""The evidence file of a claim: checked by its content, stored under a random name, served back.

A file is a PDF, a PNG or a JPEG image, decided by its first bytes (`%PDF-`, the PNG signature,
FF D8 FF) and never by its name; the name's ending must agree with what the content is, so a
renamed program or a photo called `.pdf` is refused with a message saying which. It is at most
EVIDENCE_MAX_MB and not empty.

`receive` streams the upload into a temporary file in EVIDENCE_DIR (default
INSTANCE_DIR/evidence), counting and hashing as it goes; nothing is left on disk when it
refuses. `place` renames the checked file to its random name (0600, in the same folder, so the
rename is atomic) and ties it to the session: if the transaction that records the claim does
not commit, the file is removed, so no file is left that no claim row points to.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

MIB = 1024 * 1024
CHUNK = 64 * 1024
# The first bytes of each accepted type (the PNG signature is the whole 8-byte header).
SIGNATURES = (
    ("pdf", b"%PDF-"),
    ("png", b"\x89PNG\r\n\x1a\n"),
    ("jpeg", b"\xff\xd8\xff"),
)
HEAD_BYTES = max(len(signature) for _kind, signature in SIGNATURES)
EXTENSIONS = {".pdf": "pdf", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg"}
MIMETYPES = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}
TYPE_NAMES = {"pdf": "PDF", "png": "PNG", "jpeg": "JPEG"}
NAME_MAX = 255
# Where a session keeps the evidence files written in its current transaction.
_WRITTEN = "claims.evidence_written"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class EvidenceError(ValueError):
    """An evidence file that is refused; the message says why and what to do (translated)."""


@dataclass(frozen=True)
class Evidence:
    """A checked upload, still in its temporary file: what it is and where it waits."""

    name: str
    kind: str
    size: int
    sha256: str
    path: Path


def evidence_dir() -> Path:
    """EVIDENCE_DIR, else INSTANCE_DIR/evidence; created readable by the app's user only."""
    configured = current_app.config.get("EVIDENCE_DIR") or ""
    folder = Path(configured or Path(current_app.config["INSTANCE_DIR"]) / "evidence")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def max_bytes() -> int:
    """The largest evidence file accepted, in bytes (EVIDENCE_MAX_MB)."""
    return int(current_app.config["EVIDENCE_MAX_MB"]) * MIB


def clean_name(filename: str | None) -> str:
    """The file's own name as the learner's computer gave it: no folders, no control
    characters, at most 255 characters (keeping the ending)."""
    name = _CONTROL.sub("", (filename or "").replace("\\", "/").rsplit("/", 1)[-1]).strip()
    if len(name) > NAME_MAX:
        stem, dot, ending = name.rpartition(".")
        keep = NAME_MAX - len(ending) - 1
        name = f"{stem[:keep]}.{ending}" if dot and 0 < keep else name[:NAME_MAX]
    return name


def kind_of(head: bytes) -> str | None:
    """What the first bytes of a file say it is: pdf, png, jpeg, or None."""
    for kind, signature in SIGNATURES:
        if head.startswith(signature):
            return kind
    return None


def _read_head(stream: BinaryIO) -> bytes:
    """The first HEAD_BYTES bytes (fewer only at the end of the stream)."""
    head = b""
    while len(head) < HEAD_BYTES:
        chunk = stream.read(HEAD_BYTES - len(head))
        if not chunk:
            break
        head += chunk
    return head


def _check_head(name: str, head: bytes) -> str:
    """The file's type, or EvidenceError: empty, not an accepted type, or a name that lies."""
    if not head:
        raise EvidenceError(
            _("The file is empty. Choose the scan or photo of your certificate again.")
        )
    kind = kind_of(head)
    if kind is None:
        raise EvidenceError(
            _(
                "“%(name)s” is not a PDF, PNG or JPEG file, whatever its name says. Upload a"
                " scan or photo of the certificate in one of those formats.",
                name=name,
            )
        )
    named = EXTENSIONS.get(os.path.splitext(name)[1].lower())
    if named is None:
        raise EvidenceError(
            _(
                "“%(name)s” is a %(found)s file, but its name does not end in .pdf, .png, .jpg"
                " or .jpeg. Rename it to end in %(ending)s and upload it again.",
                name=name,
                found=TYPE_NAMES[kind],
                ending=_ending(kind),
            )
        )
    if named != kind:
        raise EvidenceError(
            _(
                "“%(name)s” is named as a %(named)s file but its content is %(found)s. Rename it"
                " to end in %(ending)s, or upload the right file.",
                name=name,
                named=TYPE_NAMES[named],
                found=TYPE_NAMES[kind],
                ending=_ending(kind),
            )
        )
    return kind


def _ending(kind: str) -> str:
    return {"pdf": ".pdf", "png": ".png", "jpeg": ".jpg"}[kind]


def _too_large(limit: int) -> EvidenceError:
    return EvidenceError(
        _(
            "The file is larger than %(size)s MB. Scan it at a lower resolution, or save the"
            " photo or PDF smaller, and upload it again.",
            size=format_decimal(limit // MIB),
        )
    )


def receive(stream: BinaryIO, filename: str | None) -> Evidence:
    """Check an uploaded file and copy it into a temporary file of EVIDENCE_DIR.

    The type is checked on the first bytes before anything is written; the size and SHA-256
    while it is copied. Raises EvidenceError (leaving no file) for a file that is empty, not a
    PDF, PNG or JPEG, named as another type, or larger than EVIDENCE_MAX_MB.
    """
    name = clean_name(filename)
    if not name:
        raise EvidenceError(_("Choose the file of your certificate or attendance record."))
    head = _read_head(stream)
    kind = _check_head(name, head)
    limit = max_bytes()
    digest = hashlib.sha256(head)
    size = len(head)
    # mkstemp creates the file 0600: the evidence holds personal data.
    handle, temporary = tempfile.mkstemp(prefix=".incoming-", dir=evidence_dir())
    path = Path(temporary)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(head)
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Evidence(name, kind, size, digest.hexdigest(), path)


def discard(evidence: Evidence) -> None:
    """Remove a received file that will not be kept."""
    evidence.path.unlink(missing_ok=True)


def place(session: Session, evidence: Evidence) -> str:
    """Give the checked file its random name (returned) and keep it only if `session`'s
    transaction commits."""
    stored = secrets.token_hex(16)
    final = evidence.path.with_name(stored)
    os.replace(evidence.path, final)
    _remove_unless_committed(session, final)
    return stored


def remove_stored(stored: str) -> None:
    """Remove the file stored under `stored` (its row was not written)."""
    (evidence_dir() / stored).unlink(missing_ok=True)


def stored_path(stored: str) -> Path | None:
    """The file stored under the random name `stored`, if it is there."""
    if not re.fullmatch(r"[0-9a-f]{32,64}", stored):
        return None
    path = evidence_dir() / stored
    return path if path.is_file() else None


def _remove_unless_committed(session: Session, path: Path) -> None:
    session.info.setdefault(_WRITTEN, []).append(path)
    if not event.contains(session, "after_transaction_end", _on_transaction_end):
        event.listen(session, "after_commit", _on_commit)
        event.listen(session, "after_transaction_end", _on_transaction_end)


def _on_commit(session: Session) -> None:
    # Committed: the claim rows point at these files now.
    session.info.pop(_WRITTEN, None)


def _on_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended without a commit (rolled back, or the session closed
    # after an error): the rows that pointed at these files are gone, so are they.
    if transaction.parent is not None:
        return
    for path in session.info.pop(_WRITTEN, []):
        path.unlink(missing_ok=True)
