"""`flask --app app attempts grant`: extra attempts from the server, with clear refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import AttemptGrant, AuditEvent
from tests.test_attempt_grants import org  # noqa: F401  (the same organisation and course)

GRANT = ["attempts", "grant", "ann", "--course", "c1", "--lesson", "limited"]


def test_grant_adds_attempts_prints_what_it_did_and_is_audited(runner, org, session):  # noqa: F811
    result = runner.invoke(args=[*GRANT, "--count", "2", "--reason", "Exam clash"])
    assert result.exit_code == 0, result.output
    assert result.output == "Granted 2 more attempts to ann at c1/limited: 3 allowed in all.\n"
    grant = session.scalar(select(AttemptGrant))
    assert (grant.count, grant.reason, grant.granted_by) == (2, "Exam clash", None)
    audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "attempts_granted"))
    assert audit.actor_id is None and audit.subject == "ann"
    assert audit.details["reason"] == "Exam clash" and audit.details["lesson"] == "limited"


def test_one_attempt_by_default_and_the_username_as_typed(runner, org, session):  # noqa: F811
    args = ["attempts", "grant", " ANN ", "--course", "c1", "--lesson", "limited"]
    result = runner.invoke(args=[*args, "--reason", "Power cut"])
    assert result.exit_code == 0, result.output
    assert "Granted 1 more attempt to ann" in result.output
    assert session.scalar(select(AttemptGrant.count)) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["attempts", "grant", "nobody", "--course", "c1", "--lesson", "limited"], "No user"),
        (["attempts", "grant", "ann", "--course", "zz", "--lesson", "limited"], "No course"),
        (["attempts", "grant", "ann", "--course", "c1", "--lesson", "zz"], "no lesson"),
        (["attempts", "grant", "ann", "--course", "c1", "--lesson", "read"], "has no quiz"),
        (["attempts", "grant", "ann", "--course", "c1", "--lesson", "open"], "unlimited"),
        ([*GRANT, "--count", "0"], "at least one"),
        ([*GRANT, "--count", "-3"], "at least one"),
    ],
)
def test_clear_errors_and_nothing_written(runner, org, session, args, message):  # noqa: F811
    result = runner.invoke(args=[*args, "--reason", "Some reason"])
    assert result.exit_code != 0
    assert message in result.output
    assert session.scalar(select(AttemptGrant)) is None


def test_an_empty_reason_is_refused(runner, org, session):  # noqa: F811
    result = runner.invoke(args=[*GRANT, "--reason", "   "])
    assert result.exit_code != 0 and "Give a reason" in result.output
    result = runner.invoke(args=GRANT)
    assert result.exit_code != 0 and "--reason" in result.output
    assert session.scalar(select(AttemptGrant)) is None


def test_the_help_text_is_the_docstring(runner):
    result = runner.invoke(args=["attempts", "grant", "--help"])
    assert result.exit_code == 0
    assert "Grant USERNAME COUNT more attempts at one lesson's quiz" in result.output
