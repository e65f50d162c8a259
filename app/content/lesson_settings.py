"""A lesson's quiz settings and requirements, read from its front matter with their lines."""

from __future__ import annotations

from app.content.frontmatter import ID_RE, Fields, id_problem, show
from app.content.model import SHOW_ANSWERS, Draw, QuizSettings

QUIZ_KEYS = (
    "pass_percent",
    "max_attempts",
    "time_limit_minutes",
    "shuffle",
    "draw",
    "show_answers",
)


def quiz_settings(fields: Fields) -> QuizSettings:
    """A lesson's quiz settings from its front matter, with the defaults for missing keys."""
    pass_percent = fields.number(
        "pass_percent", "", required=False, low=0, low_inclusive=True, high=100
    )
    max_attempts = fields.number(
        "max_attempts", "", required=False, whole=True, low=0, low_inclusive=True
    )
    time_limit = fields.number("time_limit_minutes", "", required=False, whole=True)
    show_answers = fields.choice("show_answers", SHOW_ANSWERS, required=False)
    draws = _draws(fields)
    # A closing test draws from a pool: showing its answers after any attempt would let a
    # learner harvest the pool with blank attempts, so by default they wait for the end.
    default_show = "after_final" if draws else "after_pass"
    return QuizSettings(
        pass_percent=80.0 if pass_percent is None else pass_percent,
        max_attempts=int(max_attempts or 0),
        time_limit_minutes=None if time_limit is None else int(time_limit),
        shuffle=bool(fields.boolean("shuffle")),
        draw=draws,
        show_answers=next((v for v in SHOW_ANSWERS if v == show_answers), default_show),
    )


def lesson_requirements(fields: Fields) -> tuple[tuple[str, ...], bool]:
    """`requires:` as (lesson ids, whether it is `all`); problems are reported on its line."""
    value = fields.mapping.data.get("requires")
    if value is None:
        return (), False
    if value == "all":
        return (), True
    example = "`requires: [lesson-id, other-lesson]` or `requires: all`"
    if not isinstance(value, list) or not value:
        fields.problems.error(
            fields.path,
            fields.line("requires"),
            f"`requires` must be a list of lesson ids or `all`: {example}",
        )
        return (), False
    ids: list[str] = []
    for item in value:
        if not isinstance(item, str) or not ID_RE.match(item):
            shown = item if isinstance(item, str) else show(item)
            fields.problems.error(
                fields.path, fields.line("requires"), id_problem(shown, "the required lesson")
            )
        elif item not in ids:
            ids.append(item)
    return tuple(ids), False


def _draws(fields: Fields) -> tuple[Draw, ...]:
    value = fields.mapping.data.get("draw")
    if value is None:
        return ()
    example = "`draw: [{pool: NAME, count: N}]`"
    if not isinstance(value, list):
        fields.problems.error(fields.path, fields.line("draw"), f"`draw` must be a list: {example}")
        return ()
    item_lines = fields.mapping.item_lines.get("draw", [])
    draws: list[Draw] = []
    for index, item in enumerate(value):
        line = item_lines[index] if index < len(item_lines) else fields.line("draw")
        pool = item.get("pool") if isinstance(item, dict) else None
        count = item.get("count") if isinstance(item, dict) else None
        if not isinstance(pool, str) or not pool:
            fields.problems.error(fields.path, line, f"each draw needs a pool name: {example}")
        elif isinstance(count, bool) or not isinstance(count, int) or count <= 0:
            fields.problems.error(
                fields.path, line, f'the count drawn from pool "{pool}" must be a whole number > 0'
            )
        else:
            draws.append(Draw(pool, count, line))
        if isinstance(item, dict):
            for key in item:
                if key not in ("pool", "count"):
                    fields.problems.warning(
                        fields.path, line, f'unknown key "{key}" in a draw; use `pool` and `count`'
                    )
    return tuple(draws)
