"""The one gate every course folder passes before anything in it is read or published.

A course folder may hold only plain files and folders. A symbolic link could point at any file
the server can read (its secret key, its database, /proc/self/environ) and `courses sync` would
publish it as a course asset for every learner to download; a FIFO or device file would hang
or flood the reader. So the check refuses them all, with their paths, and the sync checks
again just before it reads (the folder may have changed since the check), reading each asset
without following links.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from app.content.model import Problem

LINK_MESSAGE = (
    "is a symbolic link; a course folder may hold only plain files and folders, so replace the"
    " link with a copy of the file or folder it points to"
)
SPECIAL_MESSAGE = (
    "is not a plain file or folder (a device, pipe or socket); remove it from the course folder"
)


class UnsafeCourseError(ValueError):
    """A course folder holds something the gate refuses; nothing of it was imported."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))
        self.problems = problems


def unsafe_entries(root: Path) -> list[Problem]:
    """Every symbolic link and special file below `root` (the course folder itself may be
    reached through a link: it is where the trainer put it), as errors at line 1."""
    problems: list[Problem] = []

    def refuse(path: Path, message: str) -> None:
        problems.append(Problem(path, 1, "error", message))

    def on_error(error: OSError) -> None:
        refuse(Path(error.filename or root), f"cannot be read ({error.strerror or error})")

    # os.walk does not follow links to folders: a linked folder is reported, never entered.
    for folder, folders, files in os.walk(root, onerror=on_error):
        base = Path(folder)
        for name in sorted(folders + files):
            path = base / name
            try:
                mode = path.lstat().st_mode
            except OSError as error:
                on_error(error)
                continue
            if stat.S_ISLNK(mode):
                refuse(path, LINK_MESSAGE)
            elif not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                refuse(path, SPECIAL_MESSAGE)
        # Never walk into what was refused above.
        folders[:] = [name for name in folders if not (base / name).is_symlink()]
    return problems


def is_plain_file(path: Path) -> bool:
    """Whether `path` itself (not what a link points to) is a regular file."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def read_plain_file(path: Path) -> bytes:
    """A regular file's bytes, refusing to follow a link even if one appeared since the check."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        linked = error.errno == errno.ELOOP
        message = LINK_MESSAGE if linked else f"cannot be read ({error.strerror or error})"
        raise UnsafeCourseError([Problem(path, 1, "error", message)]) from error
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise UnsafeCourseError([Problem(path, 1, "error", SPECIAL_MESSAGE)])
        return handle.read()
