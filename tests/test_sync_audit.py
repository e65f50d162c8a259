"""Every `courses sync` run leaves one audit event: who ran it, which courses, what came of each."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.content.sync_audit import os_user
from app.models import AuditEvent

COURSE_MD = (
    "---\nid: {id}\ntitle: Course {id}\nsummary: S.\nlanguage: en\ncredit_hours: 1\n"
    "status: published\n---\nOverview.\n"
)
LESSON = "---\ntitle: Read\nminutes: 5\n---\nJust text.\n"
BROKEN_QUIZ = "---\ntitle: Quiz\nminutes: 5\n---\n::: quiz\nid: q1\ntype: single\n\nWhich?\n:::\n"


def _course(root: Path, slug: str, lesson: str = LESSON) -> Path:
    folder = root / slug
    (folder / "01-m").mkdir(parents=True)
    (folder / "course.md").write_text(COURSE_MD.format(id=slug), encoding="utf-8")
    (folder / "01-m" / "01-read.md").write_text(lesson, encoding="utf-8")
    return folder


def _runs(session) -> list[AuditEvent]:  # noqa: ANN001
    query = select(AuditEvent).where(AuditEvent.action == "courses_synced").order_by("id")
    return list(session.scalars(query))


def test_a_run_is_logged_with_its_user_courses_and_counts(runner, session, tmp_path):
    root = tmp_path / "courses"
    _course(root, "alpha")
    first = runner.invoke(args=["courses", "sync", str(root)])
    assert first.exit_code == 0, first.output
    _course(root, "beta")
    second = runner.invoke(args=["courses", "sync", str(root)])
    assert second.exit_code == 0, second.output
    runs = _runs(session)
    assert len(runs) == 2
    event = runs[1]
    assert event.actor_id is None
    assert event.details["run_by"] == os_user() != ""
    assert event.details["paths"] == [str(root)]
    assert event.details["courses"] == {"alpha": "unchanged", "beta": "added"}
    counts = {key: event.details[key] for key in ("created", "updated", "unchanged", "failed")}
    assert counts == {"created": 1, "updated": 0, "unchanged": 1, "failed": 0}
    assert (event.details["outcome"], event.details["errors"]) == ("ok", [])
    assert event.subject == "alpha, beta"


def test_a_refused_course_is_logged_as_failed_with_its_errors(runner, session, tmp_path):
    root = tmp_path / "courses"
    _course(root, "alpha")
    _course(root, "broken", lesson=BROKEN_QUIZ)
    result = runner.invoke(args=["courses", "sync", str(root)])
    assert result.exit_code == 1
    [event] = _runs(session)
    assert event.details["courses"] == {"alpha": "added", "broken": "failed"}
    assert (event.details["created"], event.details["failed"]) == (1, 1)
    assert event.details["outcome"] == "failed"
    assert event.details["errors"]
    assert all("01-read.md:" in line and ": error: " in line for line in event.details["errors"])


def test_a_run_that_stops_on_an_unexpected_error_is_still_logged(
    runner, session, tmp_path, monkeypatch
):
    root = tmp_path / "courses"
    _course(root, "alpha")
    import app.content.cli as cli

    # No real failure can be arranged on purpose half-way through an import; stand one in.
    def fail(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("disk full")

    monkeypatch.setattr(cli, "sync_and_refresh", fail)
    result = runner.invoke(args=["courses", "sync", str(root)])
    assert result.exit_code != 0
    [event] = _runs(session)
    assert event.details["courses"] == {"alpha": "failed"}
    assert event.details["errors"] == ["RuntimeError: disk full"]
