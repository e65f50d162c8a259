"""The studio's GIFT import: a Moodle question bank becomes a pool of a new staged revision."""

from __future__ import annotations

import io

from sqlalchemy import select

from app.models import CourseRevision
from app.studio import revisions
from tests.conftest import Auth, csrf_from
from tests.studio.conftest import course_files, course_zip, upload

BANK = (
    "::gift-one::Is a strong password long? {T}\n\n"
    "::gift-two::Which is safer? {=A passphrase ~A birthday}\n\n"
    "Write an essay. {}\n"
)


def _staged(app, make_user):  # noqa: ANN001, ANN202
    make_user("tina", roles={"trainer"})
    client = app.test_client()
    Auth(client).login("tina")
    location = upload(client, course_zip({"g1": course_files("g1")})).headers["Location"]
    return client, location.rstrip("/").rsplit("/", 1)[1]


def _post(client, token: str, data: bytes, pool: str = "bank"):  # noqa: ANN001, ANN202
    csrf = csrf_from(client.get(f"/studio/revisions/{token}").text)
    return client.post(
        f"/studio/revisions/{token}/gift",
        data={"csrf_token": csrf, "pool": pool, "gift": (io.BytesIO(data), "bank.txt")},
        content_type="multipart/form-data",
    )


def test_a_bank_becomes_a_pool_and_what_is_left_out_is_listed(app, session, make_user):
    client, token = _staged(app, make_user)
    assert f"/studio/revisions/{token}/gift" in client.get(f"/studio/revisions/{token}").text
    response = _post(client, token, BANK.encode("gb18030"))
    assert response.status_code == 302
    new_token = response.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    assert new_token != token
    page = client.get(response.headers["Location"]).text
    assert "is now the pool bank" in page
    assert "bank.txt:5: warning: an essay question" in page
    session.expire_all()
    staged = revisions.revision_by_token(session, new_token)
    assert staged is not None and staged.status == "staged" and staged.error_count == 0
    with app.app_context():
        pool = (revisions.folder(staged) / "pools" / "bank.md").read_text(encoding="utf-8")
    assert "id: gift-one" in pool and "- [x] A passphrase" in pool


def test_nothing_convertible_or_a_taken_name_stages_nothing(app, session, make_user):
    client, token = _staged(app, make_user)
    refused = _post(client, token, b"Write an essay. {}\n")
    assert refused.headers["Location"].endswith(token)
    assert (
        "No question of bank.txt could be converted" in client.get(refused.headers["Location"]).text
    )
    first = _post(client, token, BANK.encode())
    new_token = first.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    again = _post(client, new_token, BANK.encode())
    assert "already has a pool called bank" in client.get(again.headers["Location"]).text
    bad_name = _post(client, new_token, BANK.encode(), pool="../x")
    assert "Use lowercase letters" in client.get(bad_name.headers["Location"]).text
    session.expire_all()
    assert session.scalar(
        select(CourseRevision.token).where(CourseRevision.status == "staged")
    ) == (new_token)


def test_only_the_courses_editors_can_import(app, make_user):
    client, token = _staged(app, make_user)
    make_user("otto", roles={"trainer"})
    other = app.test_client()
    Auth(other).login("otto")
    csrf = csrf_from(other.get("/studio").text)
    response = other.post(
        f"/studio/revisions/{token}/gift",
        data={"csrf_token": csrf, "pool": "x", "gift": (io.BytesIO(BANK.encode()), "b.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
