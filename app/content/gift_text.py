"""Reading GIFT text: decoding a file (UTF-8, a BOM, or GB18030), splitting it into questions
outside `{...}` while dropping comment lines, and GIFT's escapes. app.content.gift converts."""

from __future__ import annotations

ESCAPABLE = "~=#{}:\\"


class GiftError(ValueError):
    """A file that cannot be read as GIFT at all (empty, not text); the message says why."""


def decode(data: bytes) -> str:
    """The text of a GIFT file: UTF-8 (with or without a BOM) or GB18030, as Windows writes."""
    if not data.strip():
        raise GiftError("the file is empty; export the question bank from Moodle in GIFT format")
    if b"\x00" in data:
        raise GiftError("the file is not text (it holds NUL bytes); give a GIFT .txt file")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise GiftError("the file is neither UTF-8 nor GB18030 text; save it as UTF-8")


def chunks(text: str) -> tuple[list[tuple[int, str]], int | None]:
    """Split into (first line, text) per question at blank lines outside `{...}`, leaving out
    comment lines. Also the first line of a question whose `{` is never closed, if any."""
    chunks: list[tuple[int, str]] = []
    current: list[str] = []
    start, depth = 0, 0
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        if line.strip().startswith("//"):
            continue
        if not line.strip() and depth == 0:
            if current:
                chunks.append((start, "\n".join(current)))
                current = []
            continue
        if not current:
            start = number
        current.append(line)
        escaped = False
        for char in line:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == "{":
                depth += 1
            elif char == "}":
                depth = max(depth - 1, 0)
    if current:
        if depth:
            return chunks, start
        chunks.append((start, "\n".join(current)))
    return chunks, None


def find(text: str, token: str, begin: int = 0) -> int:
    """The index of the first unescaped `token` in `text` from `begin`, or -1."""
    index = begin
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text.startswith(token, index):
            return index
        index += 1
    return -1


def split(text: str, tokens: str) -> list[str]:
    """Split `text` before each unescaped character of `tokens`, keeping the character."""
    parts, current, index = [], "", 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            current += text[index : index + 2]
            index += 2
            continue
        if char in tokens and current.strip():
            parts.append(current)
            current = ""
        current += char
        index += 1
    if current.strip():
        parts.append(current)
    return parts


def unescape(text: str) -> str:
    """GIFT escapes (`\\~ \\= \\# \\{ \\} \\:` and `\\\\`, `\\n` a line break) to characters."""
    out, index = [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            following = text[index + 1]
            out.append(
                "\n"
                if following == "n"
                else following
                if following in ESCAPABLE
                else "\\" + following
            )
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)
