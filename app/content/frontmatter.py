"""Read source files and check YAML front matter (and quiz headers) with file:line messages."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from app.content.model import Problem

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
ID_RULE = "use lowercase letters, digits and hyphens, starting with a letter or digit, at most 64"
# Front matter may close with `...` too, as YAML documents do.
FENCE_LINES = ("---", "...")


class Problems(list[Problem]):
    """The problems found so far, with shorthands to add an error, a warning or a note."""

    def error(self, path: Path, line: int, message: str) -> None:
        """Add an error: the course cannot be imported until it is fixed."""
        self.append(Problem(path, max(line, 1), "error", message))

    def warning(self, path: Path, line: int, message: str) -> None:
        """Add a warning: probably a mistake, but the course can still be imported."""
        self.append(Problem(path, max(line, 1), "warning", message))

    def info(self, path: Path, line: int, message: str) -> None:
        """Add a note: nothing is wrong, but the trainer should know what the checker assumed."""
        self.append(Problem(path, max(line, 1), "info", message))


def read_lines(path: Path, problems: Problems) -> list[str] | None:
    """Read a UTF-8 text file as a list of lines (without line ends); report why if it cannot."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        return None  # refused by the intake gate (app.content.intake), with its path
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.error(path, 1, f"cannot read the file ({exc.strerror or exc}); check it exists")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.error(path, line, "the file is not UTF-8 text; save it with UTF-8 encoding")
        return None
    return split_lines(text)


def split_lines(text: str) -> list[str]:
    """Split text into lines the way editors count them (\\n, \\r\\n or \\r)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def slug(text: str) -> str:
    """A valid id made from `text`, or "" when nothing usable is left (used in suggestions)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64].rstrip("-")


def id_problem(value: str, what: str) -> str:
    """The message for an invalid id, with a suggested valid one when there is one."""
    suggestion = slug(value)
    hint = f' such as "{suggestion}"' if suggestion and suggestion != value else ""
    return f'{what} "{value}" is not a valid id; {ID_RULE} characters{hint}'


def show(value: Any) -> str:
    """A short, readable rendering of a YAML value for messages."""
    text = f'"{value}"' if isinstance(value, str) else yaml.safe_dump(value).strip()
    text = text.removesuffix("\n...").strip()
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass
class YamlMapping:
    """A YAML mapping with the file line of each key and the line of each list item."""

    data: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    item_lines: dict[str, list[int]] = field(default_factory=dict)


def load_yaml_mapping(
    lines: Sequence[str], first_line: int, path: Path, problems: Problems, what: str
) -> YamlMapping | None:
    """Parse `lines` (starting at file line `first_line`) as a YAML mapping of `key: value`.

    Returns None after reporting a problem when the text is not valid YAML or not a mapping.
    """
    text = "\n".join(lines)
    try:
        # The reader rejects control characters as soon as the loader is made.
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:
        _report_yaml_error(exc, lines, first_line, path, problems, what)
        return None
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlMapping()
        if not isinstance(node, yaml.MappingNode):
            problems.error(
                path, first_line + node.start_mark.line, f"{what} must be `key: value` lines"
            )
            return None
        return _build_mapping(node, loader, first_line, path, problems, what)
    except yaml.YAMLError as exc:
        _report_yaml_error(exc, lines, first_line, path, problems, what)
    except RecursionError:
        problems.error(
            path, first_line, f"{what} is nested too deeply; use plain `key: value` lines"
        )
    finally:
        loader.dispose()
    return None


def _report_yaml_error(
    exc: yaml.YAMLError,
    lines: Sequence[str],
    first_line: int,
    path: Path,
    problems: Problems,
    what: str,
) -> None:
    # YAML also counts U+0085, U+2028 and U+2029 as line breaks, so keep the line in the text.
    line = first_line + _error_line(exc, "\n".join(lines))
    line = min(line, first_line + max(len(lines) - 1, 0))
    reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    problems.error(
        path,
        line,
        f"{what} is not valid YAML ({reason}); check this line: a value that contains"
        ' ": " or starts with a special character such as [ { * & ! | > % @ needs quotes',
    )


def _error_line(exc: yaml.YAMLError, text: str) -> int:
    """The 0-based line of a YAML error inside `text`."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        return int(mark.line)
    position = getattr(exc, "position", None)
    return text[:position].count("\n") if isinstance(position, int) else 0


def _build_mapping(
    node: yaml.MappingNode,
    loader: yaml.SafeLoader,
    first_line: int,
    path: Path,
    problems: Problems,
    what: str,
) -> YamlMapping:
    mapping = YamlMapping()
    for key_node, value_node in node.value:
        line = first_line + key_node.start_mark.line
        if not isinstance(key_node, yaml.ScalarNode) or not key_node.value:
            problems.error(path, line, f"{what} keys must be plain words such as `title`")
            continue
        key = str(key_node.value)
        if key in mapping.lines:
            problems.error(
                path, line, f'"{key}" is given twice (also at line {mapping.lines[key]}); keep one'
            )
            continue
        mapping.data[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = line
        if isinstance(value_node, yaml.SequenceNode):
            mapping.item_lines[key] = [first_line + n.start_mark.line for n in value_node.value]
    return mapping


@dataclass
class FrontMatter:
    """The front matter of a file (None when missing or broken) and where its body starts."""

    mapping: YamlMapping | None
    body_index: int  # index into the file's lines of the first body line


def split_front_matter(
    lines: Sequence[str], path: Path, problems: Problems, keys_hint: str
) -> FrontMatter:
    """Split `---` YAML front matter off a file's lines and parse it; report what is wrong."""
    if not lines or lines[0].strip() != "---":
        problems.error(
            path,
            1,
            f"missing front matter; start the file with a line `---`, then {keys_hint},"
            " then a line `---`",
        )
        return FrontMatter(None, 0)
    for index in range(1, len(lines)):
        if lines[index].strip() in FENCE_LINES:
            mapping = load_yaml_mapping(lines[1:index], 2, path, problems, "front matter")
            return FrontMatter(mapping, index + 1)
    problems.error(
        path, 1, "front matter opened here is never closed; add a line `---` after its last key"
    )
    return FrontMatter(None, len(lines))


class Fields:
    """Typed access to the keys of a YAML mapping, reporting wrong or missing values."""

    def __init__(
        self, mapping: YamlMapping, path: Path, problems: Problems, what: str, line: int
    ) -> None:
        self.mapping = mapping
        self.path = path
        self.problems = problems
        self.what = what
        self.default_line = line

    def line(self, key: str) -> int:
        """The line of `key`, or of the start of the mapping when the key is missing."""
        return self.mapping.lines.get(key, self.default_line)

    def _get(self, key: str, required: bool, example: str) -> Any:
        value = self.mapping.data.get(key)
        if value is None and required:
            self.problems.error(
                self.path, self.line(key), f'{self.what} has no "{key}"; add a line `{example}`'
            )
        return value

    def _wrong(self, key: str, expected: str, value: Any) -> None:
        self.problems.error(
            self.path, self.line(key), f'"{key}" must be {expected}, not {show(value)}'
        )

    def text(self, key: str, example: str, required: bool = True) -> str | None:
        """A non-empty string value."""
        value = self._get(key, required, example)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self._wrong(key, "text (put it in quotes if YAML reads it as something else)", value)
            return None
        return value.strip()

    def identifier(self, key: str, example: str, required: bool = True) -> str | None:
        """A string matching the id pattern of the course format."""
        value = self.text(key, example, required)
        if value is not None and not ID_RE.match(value):
            self.problems.error(self.path, self.line(key), id_problem(value, key))
            return None
        return value

    def choice(self, key: str, choices: Sequence[str], required: bool = True) -> str | None:
        """One of `choices`."""
        value = self._get(key, required, f"{key}: {choices[0]}")
        if value is None:
            return None
        if value not in choices:
            options = " or ".join(f"`{c}`" for c in choices)
            self._wrong(key, options, value)
            return None
        return str(value)

    def number(
        self,
        key: str,
        example: str,
        *,
        required: bool = True,
        whole: bool = False,
        low: float = 0,
        low_inclusive: bool = False,
        high: float | None = None,
    ) -> float | None:
        """A number (a whole one if `whole`) within the given bounds."""
        value = self._get(key, required, example)
        if value is None:
            return None
        kind = "a whole number" if whole else "a number"
        bound = f"{'at least' if low_inclusive else 'greater than'} {low:g}"
        if high is not None:
            bound = f"from {low:g} to {high:g}"
        number_ok = isinstance(value, int | float) and not isinstance(value, bool)
        # Python ints are unbounded; anything a float cannot hold is no sensible setting.
        number_ok = number_ok and abs(value) < 1e15
        if whole and isinstance(value, float):
            number_ok = value.is_integer()
        if (
            not number_ok
            or value != value  # NaN
            or (value < low if low_inclusive else value <= low)
            or (high is not None and value > high)
        ):
            self._wrong(key, f"{kind} {bound}", value)
            return None
        return int(value) if whole else float(value)

    def boolean(self, key: str) -> bool | None:
        """`true` or `false`."""
        value = self.mapping.data.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            self._wrong(key, "`true` or `false`", value)
            return None
        return value

    def string_list(self, key: str) -> list[str] | None:
        """A list of non-empty strings, e.g. `[security, data]`."""
        value = self.mapping.data.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self._wrong(key, "a list of words, e.g. `[security, data]`", value)
            return None
        return [v.strip() for v in value]

    def warn_unknown(self, known: Iterable[str]) -> None:
        """Warn about keys this mapping does not use, suggesting a close known key."""
        known = list(known)
        for key, line in self.mapping.lines.items():
            if key in known:
                continue
            close = difflib.get_close_matches(key, known, n=1)
            hint = f'did you mean "{close[0]}"?' if close else "known keys: " + ", ".join(known)
            self.problems.warning(
                self.path, line, f'unknown key "{key}" in {self.what} is ignored; {hint}'
            )
