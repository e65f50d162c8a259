"""Reading one file of a revision for the source view: only plain text files inside the
revision's folder, however the path in the address is written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from app.content.frontmatter import split_lines
from app.content.intake import UnsafeCourseError, is_plain_file, read_plain_file

# Course text files are small; a larger file is an asset (or a mistake) and not shown.
MAX_SOURCE_BYTES = 1024 * 1024


class NotShownError(ValueError):
    """A file that exists but is not shown: binary (it holds NUL bytes) or too large."""


@dataclass(frozen=True)
class SourceFile:
    """A text file of a revision: its path relative to the course folder and its lines."""

    path: str
    lines: tuple[str, ...]


def file_in(root: Path, name: str) -> Path | None:
    """The plain file `name` (a `/`-separated relative path) inside `root`, or None when the
    name is absolute, climbs out with `..`, or is not a plain file there."""
    pure = PurePosixPath(name)
    if not name or pure.is_absolute() or "\\" in name or any(p in ("..", "") for p in pure.parts):
        return None
    path = root.joinpath(*pure.parts)
    try:
        inside = path.resolve().is_relative_to(root.resolve())
    except (OSError, ValueError):
        return None
    return path if inside and is_plain_file(path) else None


def read_source(root: Path, name: str) -> SourceFile | None:
    """The text of `name` inside `root`; None when there is no such file there. Raises
    NotShownError for a binary file or one larger than MAX_SOURCE_BYTES."""
    path = file_in(root, name)
    if path is None:
        return None
    if path.stat().st_size > MAX_SOURCE_BYTES:
        raise NotShownError(name)
    try:
        data = read_plain_file(path)
    except UnsafeCourseError:
        return None
    if b"\0" in data:
        raise NotShownError(name)
    # A text file saved in another encoding is shown with its bad bytes replaced, so the
    # trainer sees the line the checker points at.
    text = data.decode("utf-8-sig", errors="replace")
    lines = split_lines(text)
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()  # the file's last line end, not an empty line of its own
    return SourceFile(PurePosixPath(name).as_posix(), tuple(lines))
