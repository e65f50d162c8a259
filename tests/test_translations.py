"""Every string the code marks for translation has a Chinese translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.util import pathmatch

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _translated() -> set[str]:
    with open(ROOT / "app/translations/zh/LC_MESSAGES/messages.po", "rb") as f:
        catalog = read_po(f, locale="zh")
    return {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog
        if m.id and (m.string if isinstance(m.string, str) else all(m.string))
    }


def _mapping() -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
    """babel.cfg, which `make extract-messages` reads: which files, with which options."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as f:
        return parse_mapping_cfg(f)


def _template_strings(path: Path) -> set[str]:
    """What `make extract-messages` takes from one template, with babel.cfg's options; a
    template the extractor cannot parse fails here instead of being skipped in silence."""
    method_map, options_map = _mapping()
    name = path.relative_to(ROOT).as_posix()
    methods = [method for pattern, method in method_map if pathmatch(pattern, name)]
    assert methods == ["jinja2"], f"babel.cfg does not read {name} as a Jinja template"
    options = next(opts for pattern, opts in options_map.items() if pathmatch(pattern, name))
    found = extract_from_file(
        "jinja2", str(path), keywords=KEYWORDS, options={**options, "silent": "false"}
    )
    return {message if isinstance(message, str) else message[0] for _l, message, _c, _x in found}


def test_every_string_of_every_template_is_in_the_catalog():
    translated = _translated()
    templates = sorted((ROOT / "templates").rglob("*.html"))
    assert any(p.name == "_question.html" for p in templates)
    missing = {
        str(path.relative_to(ROOT)): sorted(_template_strings(path) - translated)
        for path in templates
    }
    assert {name: ids for name, ids in missing.items() if ids} == {}


def _extracted() -> set[str]:
    method_map, options_map = _mapping()
    ids: set[str] = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords=KEYWORDS,
        # Babel skips folders starting with "_" by default; templates/_macros must be read.
        directory_filter=lambda path: not Path(path).name.startswith((".", "__", "node")),
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def test_every_marked_string_is_translated_to_chinese():
    missing = sorted(_extracted() - _translated())
    assert missing == [], "run `make extract-messages` and translate: " + "; ".join(missing)


def test_placeholders_are_kept_in_translations():
    import re

    with open(ROOT / "app/translations/zh/LC_MESSAGES/messages.po", "rb") as f:
        catalog = read_po(f, locale="zh")
    for message in catalog:
        if message.id and isinstance(message.id, str) and message.string:
            wanted = set(re.findall(r"%\(\w+\)[sd]", message.id))
            assert wanted == set(re.findall(r"%\(\w+\)[sd]", message.string)), message.id
