"""Every string the code marks for translation has a Chinese translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _extracted() -> set[str]:
    method_map = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
    ids: set[str] = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT),
        method_map,
        keywords=KEYWORDS,
        options_map={"templates/**.html": {}},
        # Babel skips folders starting with "_" by default; templates/_macros must be read.
        directory_filter=lambda path: not Path(path).name.startswith((".", "__", "node")),
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def test_every_marked_string_is_translated_to_chinese():
    with open(ROOT / "app/translations/zh/LC_MESSAGES/messages.po", "rb") as f:
        catalog = read_po(f, locale="zh")
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog
        if m.id and (m.string if isinstance(m.string, str) else all(m.string))
    }
    missing = sorted(_extracted() - translated)
    assert missing == [], "run `make extract-messages` and translate: " + "; ".join(missing)


def test_placeholders_are_kept_in_translations():
    import re

    with open(ROOT / "app/translations/zh/LC_MESSAGES/messages.po", "rb") as f:
        catalog = read_po(f, locale="zh")
    for message in catalog:
        if message.id and isinstance(message.id, str) and message.string:
            wanted = set(re.findall(r"%\(\w+\)[sd]", message.id))
            assert wanted == set(re.findall(r"%\(\w+\)[sd]", message.string)), message.id
