"""Unpacking a course archive (a .zip a trainer uploads) so that it can never harm the server.

Every member is looked at before a single byte is written: its name (no absolute path, no `..`,
no drive letter, not too deep, UTF-8 or GB18030 as Windows writes them), its type (regular files
and folders only: the external attributes of a symbolic link or a device say so), its size and
how much it claims to expand. Only then are the files written, each through O_NOFOLLOW|O_EXCL
into a fresh folder, counting the bytes actually produced, so a zip whose headers lie still
cannot fill the disk. A refusal says why, names the members at fault, and leaves the folder empty.

The unpacked folder then goes through the same gate as any course folder (app.content.intake).
"""

from __future__ import annotations

import os
import shutil
import stat
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from flask_babel import gettext as _
from flask_babel import ngettext

MIB = 1024 * 1024
# Members that archivers add and no course needs (macOS resource forks, folder thumbnails).
JUNK_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
JUNK_FOLDERS = frozenset({"__MACOSX"})
CHUNK = 64 * 1024
# A member this small cannot be a bomb whatever its ratio (text compresses 10:1 and more).
RATIO_FLOOR_BYTES = MIB
NAMES_SHOWN = 5


class ArchiveRefused(ValueError):  # noqa: N818 (a refusal of bad input, not a program error)
    """An archive that is not unpacked; the message says why and what to do."""

    def __init__(self, message: str, names: list[str] | None = None) -> None:
        shown = list(names or [])[:NAMES_SHOWN]
        more = len(names or []) - len(shown)
        if shown:
            message = f"{message} {', '.join(shown)}" + (f" (+{more})" if more > 0 else "")
        super().__init__(message)
        self.names = list(names or [])


@dataclass(frozen=True)
class ArchiveLimits:
    """How large an archive may be, packed and unpacked, and how many and how deep its files."""

    max_upload_bytes: int = 50 * MIB
    max_total_bytes: int = 200 * MIB
    max_files: int = 5000
    max_ratio: int = 100
    max_depth: int = 12

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ArchiveLimits:
        """STUDIO_MAX_UPLOAD_MB, STUDIO_MAX_UNPACKED_MB and STUDIO_MAX_FILES, else the defaults."""
        return cls(
            max_upload_bytes=int(config.get("STUDIO_MAX_UPLOAD_MB", 50)) * MIB,
            max_total_bytes=int(config.get("STUDIO_MAX_UNPACKED_MB", 200)) * MIB,
            max_files=int(config.get("STUDIO_MAX_FILES", 5000)),
        )


@dataclass(frozen=True)
class _Member:
    info: zipfile.ZipInfo
    parts: tuple[str, ...]
    is_folder: bool


def unpack(stream: BinaryIO, dest: Path, limits: ArchiveLimits) -> None:
    """Extract the zip in `stream` into the empty folder `dest`, or raise ArchiveRefused.

    On refusal `dest` is left empty, whatever was written before the problem showed.
    """
    size = _size_of(stream)
    if size > limits.max_upload_bytes:
        raise ArchiveRefused(
            _(
                "The archive is larger than %(size)d MB. Leave out videos and other large files,"
                " or split the courses into several archives.",
                size=limits.max_upload_bytes // MIB,
            )
        )
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ArchiveRefused(
            _('This is not a zip archive. Make one with "Send to > Compressed (zipped) folder".')
        ) from None
    with archive:
        members = _checked_members(archive.infolist(), limits)
        try:
            _extract(archive, members, dest, limits)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as damaged:
            # A CRC or size that does not match what the headers say, or a method zipfile lacks.
            _empty(dest)
            raise ArchiveRefused(
                _(
                    "The archive is damaged or uses a compression this site cannot read. Zip the"
                    " folder again with the standard method (Deflate)."
                )
            ) from damaged
        except BaseException:
            _empty(dest)
            raise


def course_folders(root: Path) -> list[Path]:
    """The folders that hold a course.md: `root` itself, or those one or two levels below it."""
    if (root / "course.md").is_file():
        return [root]
    found: list[Path] = []
    for level in ("*/course.md", "*/*/course.md"):
        found = sorted(path.parent for path in root.glob(level) if path.is_file())
        if found:
            return found
    return found


def _size_of(stream: BinaryIO) -> int:
    position = stream.tell()
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(position)
    return size


def _checked_members(infos: list[zipfile.ZipInfo], limits: ArchiveLimits) -> list[_Member]:
    """Every member that will be written, after checking them all; raises on the first kind
    of problem found, naming each member that has it."""
    if len(infos) > limits.max_files:
        raise ArchiveRefused(
            _(
                "The archive holds %(count)d files; at most %(limit)d are accepted.",
                count=len(infos),
                limit=limits.max_files,
            )
        )
    members: list[_Member] = []
    bad_names, links, special, encrypted, deep, bombs = [], [], [], [], [], []
    for info in infos:
        name = _decoded_name(info)
        if name is None:
            bad_names.append(info.filename)
            continue
        parts = _safe_parts(name)
        if parts is None:
            bad_names.append(name)
            continue
        if not parts or parts[0] in JUNK_FOLDERS or parts[-1] in JUNK_NAMES:
            continue
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind == stat.S_IFLNK:
            links.append(name)
        elif kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            special.append(name)
        if info.flag_bits & 0x1:
            encrypted.append(name)
        if len(parts) > limits.max_depth:
            deep.append(name)
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR_BYTES and ratio > limits.max_ratio:
            bombs.append(name)
        members.append(_Member(info, parts, info.is_dir() or kind == stat.S_IFDIR))

    for names, message in (
        (bad_names, _('Names must be relative paths inside the course folder, without "..":')),
        (links, _("Symbolic links are not accepted; put the file itself in the archive:")),
        (special, _("Only ordinary files and folders are accepted, not:")),
        (encrypted, _("Password-protected files cannot be read; zip them without a password:")),
        (
            deep,
            ngettext(
                "Folders may be nested at most %(num)d level deep:",
                "Folders may be nested at most %(num)d levels deep:",
                limits.max_depth,
            ),
        ),
    ):
        if names:
            raise ArchiveRefused(message, names)
    total = sum(member.info.file_size for member in members if not member.is_folder)
    if total > limits.max_total_bytes:
        raise ArchiveRefused(
            _(
                "Unpacked, the archive would take more than %(size)d MB.",
                size=limits.max_total_bytes // MIB,
            )
        )
    if bombs:
        raise ArchiveRefused(_("These files expand far more than any course file would:"), bombs)
    _check_duplicates(members)
    return members


def _decoded_name(info: zipfile.ZipInfo) -> str | None:
    """The member's name: UTF-8 when flagged, else the bytes as written read as UTF-8 or, as
    Chinese Windows writes them, GB18030 (zipfile has read them as CP437)."""
    if info.flag_bits & 0x800:
        name = info.filename
    else:
        raw = info.filename.encode("cp437", errors="strict")
        for encoding in ("utf-8", "gb18030"):
            try:
                name = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            return None
    if "\x00" in name or any(ord(ch) < 32 for ch in name):
        return None
    return name.replace("\\", "/")


def _safe_parts(name: str) -> tuple[str, ...] | None:
    """The path's parts, or None for an absolute path, a drive letter or a `..`."""
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = tuple(part for part in PurePosixPath(name).parts if part not in ("", "."))
    if any(part == ".." for part in parts):
        return None
    return parts


def _check_duplicates(members: list[_Member]) -> None:
    """Two members for one path (maybe differing only in case, which Windows cannot hold), or
    a file where another member needs a folder."""
    seen: dict[tuple[str, ...], bool] = {}
    clashes: list[str] = []
    for member in members:
        key = tuple(part.casefold() for part in member.parts)
        if key in seen and not (member.is_folder and seen[key]):
            clashes.append("/".join(member.parts))
        seen[key] = member.is_folder
    folders = {key[:end] for key in seen for end in range(1, len(key))}
    clashes += [
        "/".join(key) for key, is_folder in seen.items() if not is_folder and key in folders
    ]
    if clashes:
        raise ArchiveRefused(_("The archive holds the same path more than once:"), clashes)


def _extract(
    archive: zipfile.ZipFile, members: list[_Member], dest: Path, limits: ArchiveLimits
) -> None:
    written = 0
    root = dest.resolve()
    for member in members:
        target = root.joinpath(*member.parts)
        if not target.resolve().is_relative_to(root):
            raise ArchiveRefused(_("Names must stay inside the course folder:"), [target.name])
        if member.is_folder:
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        descriptor = os.open(target, flags, 0o640)
        with archive.open(member.info) as source, os.fdopen(descriptor, "wb") as out:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                if written > limits.max_total_bytes:
                    raise ArchiveRefused(
                        _(
                            "Unpacked, the archive would take more than %(size)d MB.",
                            size=limits.max_total_bytes // MIB,
                        )
                    )
                out.write(chunk)


def _empty(folder: Path) -> None:
    """Remove what was written into `folder`, keeping the folder itself."""
    if not folder.is_dir():
        return
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
