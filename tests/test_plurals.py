"""Counts in messages agree with their number: "1 minute", "15 minutes", in both languages."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from app.auth.throttle import wait_minutes
from app.models import LoginAttempt
from app.models.types import utcnow


def test_waits_are_whole_minutes_rounded_up_and_never_zero():
    assert wait_minutes(timedelta(seconds=1)) == 1
    assert wait_minutes(timedelta(seconds=60)) == 1
    assert wait_minutes(timedelta(seconds=61)) == 2
    assert wait_minutes(timedelta(minutes=15)) == 15


def _refused_with_a_minute_left(auth, session, language: str | None = None):  # noqa: ANN001, ANN202
    for _ in range(5):
        auth.login("ann", "wrong password!")
    # The oldest counted failure leaves the 15-minute window in about 30 seconds.
    session.execute(
        update(LoginAttempt).values(created_at=utcnow() - timedelta(minutes=14, seconds=30))
    )
    session.commit()
    if language:
        auth.client.post("/language/" + language, data={"csrf_token": _token(auth)})
    return auth.login("ann")


def _token(auth) -> str:  # noqa: ANN001
    from tests.conftest import csrf_from

    return csrf_from(auth.client.get("/login").text)


def test_a_one_minute_wait_is_said_in_the_singular(auth, make_user, session):
    make_user("ann")
    response = _refused_with_a_minute_left(auth, session)
    assert response.status_code == 429
    assert "Wait 1 minute and try again" in response.text
    assert session.scalar(select(LoginAttempt.id).limit(1)) is not None


def test_the_wait_reads_right_in_chinese(auth, make_user, session):
    make_user("ann")
    response = _refused_with_a_minute_left(auth, session, "zh")
    assert response.status_code == 429
    assert "请等待 1 分钟后再试" in response.text
