"""Backups proven by restoring them: one taken while another thread keeps writing restores to
exactly its manifest's counts and the same unit report; a claim's evidence file comes back
byte for byte; a target that holds data is refused without --force.

Run on the tests' database (SQLite, or PostgreSQL when TEST_DATABASE_URL says so), with the
real `sqlite3` backup API or the real pg_dump / pg_restore / psql.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tarfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.assignments.services import assign
from app.backup.schema import contents
from app.credits.ledger import backfill_completions
from app.db import Base, db
from app.models import AuditEvent, Course, Enrollment, TrainingClaim, User
from tests import factories
from tests.conftest import Auth
from tests.test_claims import make_claim, pdf_bytes

COURSE = (
    "---\nid: {id}\ntitle: Course {id}\nsummary: S.\nlanguage: en\ncredit_hours: 2\n"
    "status: published\n---\nOverview.\n"
)
LESSON = "---\ntitle: Lesson {n}\nminutes: 5\n---\nText.\n"
# How many transactions the load thread commits before the backup starts.
WARM_UP = 10


def _course_files(slug: str) -> dict[str, str]:
    files = {"course.md": COURSE.format(id=slug)}
    for n in range(1, 4):
        files[f"01-m/0{n}-l{n}.md"] = LESSON.format(n=n)
    return files


@pytest.fixture
def province(app, sync_course):
    """PROV > (COUNTY1, COUNTY2); c1 assigned to PROV; learners with progress; an admin."""
    sync_course(_course_files("c1"), folder="c1")
    w = db.new_session()
    prov = factories.unit(w, "PROV", "Province")
    county1 = factories.unit(w, "COUNTY1", "County one", parent=prov)
    county2 = factories.unit(w, "COUNTY2", "County two", parent=prov)
    course = w.scalar(select(Course).where(Course.slug == "c1"))
    assign(w, prov, course, due_date=datetime(2020, 1, 1).date())
    for name, unit, status in (
        ("a", county1, "completed"),
        ("b", county1, "in_progress"),
        ("c", county2, "completed"),
        ("d", county2, None),
    ):
        learner = factories.user(w, name, unit=unit)
        if status:
            w.add(
                Enrollment(
                    user_id=learner.id,
                    course_id=course.id,
                    status=status,
                    completed_lessons=3 if status == "completed" else 1,
                    percent=100.0 if status == "completed" else 33.3,
                    best_score=80 if status == "completed" else None,
                    started_at=datetime(2026, 1, 2, tzinfo=UTC),
                    completed_at=datetime(2026, 3, 1, tzinfo=UTC)
                    if status == "completed"
                    else None,
                    completed_version=1 if status == "completed" else None,
                    credit_hours_awarded=2.0 if status == "completed" else 0.0,
                )
            )
    factories.user(w, "root", roles={"admin"}, unit=prov)
    w.flush()
    with app.app_context():
        backfill_completions(w)
    w.commit()
    w.close()


def _unit_report(app) -> list[dict[str, str]]:  # noqa: ANN001
    """The PROV report as an administrator downloads it (CSV rows)."""
    client = app.test_client()
    assert Auth(client).login("root").status_code == 302
    response = client.get("/reports/units/PROV?format=csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert any(row.get("unit_code") == "COUNTY1" for row in rows), rows
    return rows


def _manifest(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        return json.load(member)


def _live_counts() -> dict[str, int]:
    with db.engine.connect() as connection:
        return contents(connection).row_counts


def _wipe(app) -> None:  # noqa: ANN001
    """Lose everything: every row of every table, and the evidence folder."""
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(table.name for table in Base.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
    shutil.rmtree(Path(app.config["INSTANCE_DIR"]) / "evidence")


class WriteLoad(threading.Thread):
    """Commits, as fast as it can and each in a session of its own, a new user (the account
    service records the audit event of their creation in the same transaction, so a consistent
    copy has both or neither of every pair)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.committed = 0
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                session = db.new_session()
                try:
                    name = f"load{self.committed:05d}"
                    factories.user(session, name, password=None)
                    session.commit()
                finally:
                    session.close()
                self.committed += 1
        except BaseException as error:  # noqa: BLE001  (reported by the test, not lost)
            self.error = error

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.committed < count and self.error is None:
            assert time.monotonic() < deadline, "the write load made no progress"
            time.sleep(0.01)


def test_a_backup_taken_during_writes_restores_to_its_manifest_and_the_same_report(
    app, runner, session, province, tmp_path
):
    claim_id = make_claim(app, "a", file=pdf_bytes("Evidence of a"))
    evidence = session.get(TrainingClaim, claim_id)
    evidence_path = Path(app.config["INSTANCE_DIR"]) / "evidence" / evidence.evidence_file
    evidence_bytes = evidence_path.read_bytes()
    session.commit()
    report_before = _unit_report(app)

    load = WriteLoad()
    load.start()
    try:
        load.wait_for(WARM_UP)
        before = load.committed
        archive = tmp_path / "during-load.tar.gz"
        result = runner.invoke(args=["backup", "create", str(archive)])
        during = load.committed - before
        load.wait_for(load.committed + 5)  # and it goes on after the copy
    finally:
        load.stop.set()
        load.join(timeout=60)
    assert load.error is None, load.error
    assert result.exit_code == 0, result.output
    assert during > 0, "the copy was not taken while the site was writing"

    manifest = _manifest(archive)
    counts = manifest["row_counts"]
    assert counts["users"] < _live_counts()["users"]  # writes went on after the copy
    assert counts["users"] >= 6 + WARM_UP  # the province's six people and the warm-up's load

    _wipe(app)
    assert not (Path(app.config["INSTANCE_DIR"]) / "evidence").exists()
    restored = runner.invoke(args=["backup", "restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    assert "as in the manifest" in restored.output

    after = _live_counts()
    # Every table as the manifest says, but for the restore's own audit event.
    assert after["audit_events"] == counts["audit_events"] + 1
    assert {**after, "audit_events": counts["audit_events"]} == counts
    newest = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert newest.action == "backup_restored" and newest.subject == archive.name
    # Consistent: no user of the load without the audit event of the same transaction.
    load_users = session.scalar(select(func.count()).where(User.username.like("load%")))
    load_events = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "user_created", AuditEvent.subject.like("load%"))
    )
    assert load_users == load_events >= WARM_UP
    session.commit()

    assert _unit_report(app) == report_before
    assert evidence_path.read_bytes() == evidence_bytes
    restored_claim = session.get(TrainingClaim, claim_id)
    assert restored_claim is not None and restored_claim.evidence_file == evidence_path.name


def test_restore_refuses_a_target_that_holds_data_unless_forced(app, runner, session, tmp_path):
    factories.user(session, "kept")
    archive = tmp_path / "one-user.tar"
    assert runner.invoke(args=["backup", "create", str(archive)]).exit_code == 0
    factories.user(session, "later")

    refused = runner.invoke(args=["backup", "restore", str(archive)])
    assert refused.exit_code == 1
    assert "not empty" in refused.output and "users: 2" in refused.output
    assert "--force" in refused.output
    names = set(session.scalars(select(User.username)))
    assert names == {"kept", "later"}
    session.commit()

    forced = runner.invoke(args=["backup", "restore", str(archive), "--force"])
    assert forced.exit_code == 0, forced.output
    assert set(session.scalars(select(User.username))) == {"kept"}


def test_restore_puts_back_evidence_and_studio_files_and_replaces_what_was_there(
    app, runner, session, tmp_path
):
    instance = Path(app.config["INSTANCE_DIR"])
    factories.user(session, "ann")
    evidence = instance / "evidence"
    evidence.mkdir(mode=0o700)
    original = pdf_bytes("one")
    (evidence / "e1.pdf").write_bytes(original)
    revision = instance / "studio" / "revisions" / "r1" / "course"
    revision.mkdir(parents=True)
    (revision / "course.md").write_text("---\nid: x\n---\n数字政府\n", encoding="utf-8")
    (instance / "studio" / "incoming" / "half-unpacked").mkdir(parents=True)
    (instance / "outbox").mkdir()
    (instance / "outbox" / "0001.eml").write_bytes(b"Subject: hello\r\n\r\nbody\r\n")
    (instance / "secret_key").write_text("not to be carried", encoding="utf-8")
    archive = tmp_path / "files.tar"
    assert runner.invoke(args=["backup", "create", str(archive)]).exit_code == 0
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {
        "files/evidence/e1.pdf",
        "files/studio/revisions/r1/course/course.md",
        "files/outbox/0001.eml",
    } <= names
    assert not any("incoming" in name or "secret_key" in name for name in names), names

    (evidence / "e1.pdf").write_bytes(b"overwritten")
    (evidence / "e2.pdf").write_bytes(b"added after the backup")
    shutil.rmtree(instance / "studio" / "revisions")
    result = runner.invoke(args=["backup", "restore", str(archive), "--force"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in evidence.iterdir()) == ["e1.pdf"]
    assert (evidence / "e1.pdf").read_bytes() == original
    assert (revision / "course.md").read_text(encoding="utf-8").endswith("数字政府\n")
    assert (instance / "outbox" / "0001.eml").read_bytes().startswith(b"Subject: hello")
    leftovers = [
        p.name for p in instance.iterdir() if ".restoring-" in p.name or ".replaced-" in p.name
    ]
    assert leftovers == []
