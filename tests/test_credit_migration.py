"""The migration to the ledger records the completions made before it, with their hours."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import MetaData, delete, select

from app import migrations
from app.db import make_engine


def test_the_ledger_migration_records_earlier_completions(database_url):
    engine = make_engine(database_url)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    try:
        migrations.downgrade(engine, "0015-1")
        tables = MetaData()
        tables.reflect(engine)
        users, courses = tables.tables["users"], tables.tables["courses"]
        enrollments = tables.tables["enrollments"]
        with engine.begin() as conn:
            user_id = conn.execute(
                users.insert().values(
                    username="ann", full_name="Ann", session_token="t", is_active=True,
                    must_change_password=False, created_at=now,
                )
            ).inserted_primary_key[0]
            course_id = conn.execute(
                courses.insert().values(
                    slug="c1", title="C", summary="", language="en", credit_hours=6.5,
                    status="published", tags=[], overview_html="", lesson_count=1,
                    module_count=1, version=3, sync_hash="", synced_at=now,
                )
            ).inserted_primary_key[0]
            common = {"user_id": user_id, "course_id": course_id, "created_at": now,
                      "best_score": None}
            conn.execute(
                enrollments.insert(),
                [
                    # 01:00 on 1 January 2026 in Asia/Shanghai: a 2026 completion.
                    {**common, "status": "completed", "completed_lessons": 1, "percent": 100,
                     "completed_at": datetime(2025, 12, 31, 17, tzinfo=UTC),
                     "completed_version": 2, "credit_hours_awarded": 6.5},
                ],
            )
        migrations.upgrade(engine)
        tables = MetaData()
        tables.reflect(engine)
        entries = tables.tables["credit_entries"]
        with engine.connect() as conn:
            rows = conn.execute(
                select(entries.c.year, entries.c.hours, entries.c.source, entries.c.course_version,
                       entries.c.rule_id, entries.c.explanation)
            ).all()
        assert [tuple(row) for row in rows] == [
            (2026, 6.5, "course_completion", 2, None,
             [{"kind": "declared", "hours": 6.5}, {"kind": "backfilled"}])
        ]
    finally:
        migrations.upgrade(engine)
        tables = MetaData()
        tables.reflect(engine)
        with engine.begin() as conn:
            for name in ("credit_entries", "enrollments", "courses", "users"):
                conn.execute(delete(tables.tables[name]))
        engine.dispose()
