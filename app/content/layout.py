"""Where things may stand in a course folder: module folders, `assets/`, `pools/`, and the
hidden entries (`.git`, `_drafts`) the parser passes over."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from app.content.frontmatter import Problems
from app.content.model import ModuleSource

SPECIAL_FOLDERS = ("assets", "pools")


def hidden(path: Path) -> bool:
    """Entries starting with "." or "_" are not part of the course."""
    return path.name.startswith((".", "_"))


def entries(folder: Path, problems: Problems) -> list[Path]:
    """The sorted entries of `folder` (none when it does not exist), hidden ones left out."""
    if not folder.is_dir():
        return []
    try:
        # Links and special files are left to the intake gate, which refuses them.
        return sorted(p for p in folder.iterdir() if not hidden(p) and not p.is_symlink())
    except OSError as exc:
        problems.error(folder, 1, f"cannot read the folder ({exc.strerror or exc})")
        return []


def report_misplaced(folder: Path, modules: Sequence[ModuleSource], problems: Problems) -> None:
    """Markdown files where no lesson, module or pool can be: they would be silently ignored."""
    placed = {folder / "course.md"}
    placed.update(lesson.path for module in modules for lesson in module.lessons)
    placed.update(module.source for module in modules if module.source is not None)
    try:
        found = sorted(folder.rglob("*.md"))
    except OSError:
        return
    for path in found:
        relative = path.relative_to(folder)
        if (
            path in placed
            or path.is_symlink()  # refused by the intake gate instead
            or relative.parts[0] in SPECIAL_FOLDERS
            or any(hidden(Path(part)) for part in relative.parts)
        ):
            continue
        problems.error(
            path,
            1,
            "this lesson file is outside a module folder, so it is not part of the course;"
            " move it into a module folder such as 01-introduction/",
        )
