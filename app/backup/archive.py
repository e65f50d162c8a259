"""The backup file: a tar archive (gzip-compressed when its name ends in .gz or .tgz).

Members, in this order:
  database/academy.sqlite3 or database/academy.pgdump   the database (a SQLite file, or
                                                        `pg_dump --format=custom` output)
  files/<folder>/<path>                                 instance files (see app.backup.folders)
  manifest.json                                         what the rest must be (below)

The manifest comes last because it holds the SHA-256 and size of every other member, taken
from the very bytes written into the archive; an archive cut short therefore always lacks it
or a member, and is refused. It also holds the format version, when the copy was taken, the
database's dialect and migration head, and the row count of every table.

The checksums catch damage and accidental edits, not a forger who rewrites the manifest too:
keep backups where only administrators can write.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DATABASE_MEMBERS = {
    "sqlite": "database/academy.sqlite3",
    "postgresql": "database/academy.pgdump",
}
FILES_PREFIX = "files/"
CHUNK = 1024 * 1024
MANIFEST_MAX_BYTES = 64 * 1024 * 1024
# Problems listed one by one before the rest are only counted.
PROBLEMS_SHOWN = 10


class BackupError(Exception):
    """A backup that cannot be made, read or restored; the message says why and what to do."""


@dataclass(frozen=True)
class Member:
    """What one member of the archive must be."""

    sha256: str
    size: int


@dataclass
class Manifest:
    """The archive's table of contents (manifest.json)."""

    created_at: str
    dialect: str
    migration_head: str | None
    row_counts: dict[str, int]
    members: dict[str, Member] = field(default_factory=dict)
    folders: dict[str, int] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    @property
    def database_member(self) -> str:
        """The name of the member holding the database."""
        return DATABASE_MEMBERS[self.dialect]

    @property
    def total_rows(self) -> int:
        """Rows in all tables together."""
        return sum(self.row_counts.values())

    def to_json(self) -> bytes:
        """The manifest as UTF-8 JSON, keys sorted so two equal manifests are equal bytes."""
        data = asdict(self)
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        """Parse a manifest; a newer format version is refused before anything else is read."""
        try:
            raw = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise BackupError("manifest.json is not valid JSON: the archive is damaged.") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("format_version"), int):
            raise BackupError("manifest.json has no format version: the archive is damaged.")
        version = raw["format_version"]
        if version > FORMAT_VERSION:
            raise BackupError(
                f"This backup has format version {version}, made by a newer version of the"
                f" academy; this one reads format {FORMAT_VERSION} and older. Restore it with"
                " the version that made it."
            )
        try:
            manifest = cls(
                format_version=version,
                created_at=str(raw["created_at"]),
                dialect=_choice(raw["dialect"], DATABASE_MEMBERS),
                migration_head=raw["migration_head"],
                row_counts={str(k): _count(v) for k, v in raw["row_counts"].items()},
                members={
                    str(name): Member(str(m["sha256"]), _count(m["size"]))
                    for name, m in raw["members"].items()
                },
                folders={str(k): _count(v) for k, v in raw["folders"].items()},
            )
        except (KeyError, TypeError, AttributeError, ValueError):
            raise BackupError("manifest.json is incomplete: the archive is damaged.") from None
        if manifest.migration_head is not None and not isinstance(manifest.migration_head, str):
            raise BackupError("manifest.json names no valid migration: the archive is damaged.")
        return manifest


def _count(value: Any) -> int:
    if not isinstance(value, int) or value < 0:
        raise ValueError(value)
    return value


def _choice(value: Any, choices: dict[str, str]) -> str:
    if value not in choices:
        raise ValueError(value)
    return str(value)


def compressed(path: Path) -> bool:
    """Whether an archive of this name is written gzip-compressed."""
    return path.name.endswith((".gz", ".tgz"))


class _HashingReader:
    """Reads a file for tarfile, hashing exactly the bytes that go into the archive."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        self.digest.update(chunk)
        return chunk


class ArchiveWriter:
    """Writes an archive into a temporary file beside `target` (0600: it holds personal data)
    and renames it into place only when it is whole; on any error the partial file is removed.

        with ArchiveWriter(target) as writer:
            writer.add_file("database/academy.sqlite3", copy)
            writer.finish(manifest, replace=False)
    """

    def __init__(self, target: Path) -> None:
        self.target = target
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        self.partial = Path(name)
        self._file = os.fdopen(fd, "wb")
        self._tar = tarfile.open(fileobj=self._file, mode="w:gz" if compressed(target) else "w")
        self.members: dict[str, Member] = {}
        self.bytes_in = 0

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(self, exc_type: object, *_exc: object) -> None:
        if exc_type is not None:
            self.discard()

    def add_file(self, name: str, path: Path) -> Member:
        """Add the file at `path` as member `name`, never following a link."""
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as handle:
            status = os.fstat(handle.fileno())
            info = tarfile.TarInfo(name)
            info.size = status.st_size
            info.mtime = int(status.st_mtime)
            info.mode = stat.S_IMODE(status.st_mode)
            reader = _HashingReader(handle)
            try:
                self._tar.addfile(info, reader)  # type: ignore[arg-type]
            except OSError as error:
                if "unexpected end of data" not in str(error):
                    raise
                raise BackupError(
                    f"{path} got shorter while it was being copied; run the backup again."
                ) from None
        member = Member(reader.digest.hexdigest(), info.size)
        self.members[name] = member
        self.bytes_in += info.size
        return member

    def finish(self, manifest: Manifest, *, replace: bool) -> int:
        """Write the manifest, close the archive and rename it to `target`; its size in bytes."""
        manifest.members = dict(self.members)
        data = manifest.to_json()
        info = tarfile.TarInfo(MANIFEST_NAME)
        info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
        self._tar.addfile(info, io.BytesIO(data))
        self._tar.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        if self.target.exists() and not replace:
            raise BackupError(f"{self.target} appeared meanwhile; it was left as it is.")
        os.replace(self.partial, self.target)
        _sync_folder(self.target.parent)
        return self.target.stat().st_size

    def discard(self) -> None:
        """Close and remove the partial file."""
        for closing in (self._tar.close, self._file.close):
            try:
                closing()
            except (OSError, tarfile.TarError, ValueError):
                pass  # the file is removed next; what it holds no longer matters
        self.partial.unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    """Make a rename in `folder` survive a power cut."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _safe_name(member: tarfile.TarInfo) -> str:
    """The member's name if it is a plain file at a relative path with no `..` in it."""
    path = PurePosixPath(member.name)
    if (
        not member.isreg()
        or path.is_absolute()
        or any(part in ("", ".", "..") for part in member.name.split("/"))
    ):
        raise BackupError(
            f"The archive holds {member.name!r}, which is not a plain file at a safe path: it"
            " was not made by `backup create`. Nothing was written."
        )
    return member.name


def _copy(source: IO[bytes], dest: Path | None, mode: int, mtime: float) -> Member:
    """Hash a member, writing it to `dest` (a new file) when one is given."""
    digest, size = hashlib.sha256(), 0
    out = None
    if dest is not None:
        dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        out = os.fdopen(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
    try:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if out is not None:
                out.write(chunk)
    finally:
        if out is not None:
            out.close()
    if dest is not None:
        os.chmod(dest, mode & 0o777)
        os.utime(dest, (mtime, mtime))
    return Member(digest.hexdigest(), size)


def read_archive(path: Path, place: Callable[[str], Path | None]) -> Manifest:
    """Read the archive once from start to end, checking every member against the manifest.

    `place(name)` says where a member is written (None: only checked); every place must be in
    a scratch or staging folder, because a problem is only certain at the end. Raises
    BackupError for a file that is not an archive, an archive cut short or damaged, a member
    that is missing, extra or changed, and a manifest of a newer format.
    """
    seen: dict[str, Member] = {}
    manifest_data: bytes | None = None
    opened = False
    try:
        with tarfile.open(path, mode="r|*") as tar:
            opened = True  # a first header was read: what fails now is a damaged archive
            for member in tar:
                name = _safe_name(member)
                if name in seen or (name == MANIFEST_NAME and manifest_data is not None):
                    raise BackupError(f"{name} is in the archive twice: it was tampered with.")
                source = tar.extractfile(member)
                assert source is not None  # a regular file always has content
                if name == MANIFEST_NAME:
                    manifest_data = source.read(MANIFEST_MAX_BYTES + 1)
                    if len(manifest_data) > MANIFEST_MAX_BYTES:
                        raise BackupError("manifest.json is too large: the archive is damaged.")
                    continue
                seen[name] = _copy(source, place(name), member.mode, member.mtime)
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise BackupError(f"{path} is a folder, not a backup file.") from None
    except (tarfile.ReadError, tarfile.CompressionError, EOFError, zlib.error) as error:
        if not opened:
            raise BackupError(
                f"{path} is not a backup archive (not a tar file, or an empty one): {error}."
            ) from None
        raise BackupError(
            f"{path} is cut short or damaged ({error}); use another copy. Nothing was written."
        ) from None
    if manifest_data is None:
        raise BackupError(
            f"{path} has no manifest.json: it is cut short, or not made by `backup create`."
            " Nothing was written."
        )
    manifest = Manifest.from_json(manifest_data)
    problems = member_problems(manifest.members, seen)
    if problems:
        raise BackupError(
            f"{path} does not match its manifest; nothing was written:\n  " + "\n  ".join(problems)
        )
    if manifest.database_member not in seen:
        raise BackupError(f"{path} holds no database ({manifest.database_member}).")
    return manifest


def member_problems(expected: dict[str, Member], found: dict[str, Member]) -> list[str]:
    """Each difference between the manifest's members and the archive's, as a line of text."""
    problems = [f"{name}: missing from the archive" for name in sorted(set(expected) - set(found))]
    problems += [f"{name}: not in the manifest" for name in sorted(set(found) - set(expected))]
    for name in sorted(set(expected) & set(found)):
        want, got = expected[name], found[name]
        if want.size != got.size:
            problems.append(f"{name}: {got.size} bytes, the manifest says {want.size}")
        elif want.sha256 != got.sha256:
            problems.append(f"{name}: SHA-256 differs from the manifest (changed or damaged)")
    if len(problems) > PROBLEMS_SHOWN:
        rest = len(problems) - PROBLEMS_SHOWN
        problems = problems[:PROBLEMS_SHOWN] + [f"... and {rest} more"]
    return problems
