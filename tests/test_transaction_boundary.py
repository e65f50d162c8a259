"""The request is the transaction: kept when the response succeeds, undone when it does not."""

from __future__ import annotations

import pytest
from flask import Flask, abort, redirect
from sqlalchemy import func, select

from app import audit
from app.db import db
from app.models import AuditEvent


@pytest.fixture
def boundary_app(app: Flask) -> Flask:
    """The app with views that write an audit event and then answer in different ways."""

    def write_then(outcome: str):  # noqa: ANN202
        audit.record(db.session, f"boundary_{outcome}")
        if outcome == "ok":
            return "written"
        if outcome == "redirect":
            return redirect("/")
        if outcome == "form_error":
            return "fix the form", 422
        if outcome == "not_found":
            abort(404)
        raise RuntimeError("the view failed half-way")

    app.add_url_rule("/_boundary/<outcome>", "boundary", write_then, methods=["POST"])
    # A failing view should answer 500 here, as it does in production, not raise in the test.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def _written(session, outcome: str) -> int:  # noqa: ANN001
    session.rollback()
    return session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == f"boundary_{outcome}")
    )


@pytest.mark.parametrize(("outcome", "status", "kept"), [
    ("ok", 200, 1),
    ("redirect", 302, 1),
    ("form_error", 422, 0),
    ("not_found", 404, 0),
    ("error", 500, 0),
])
def test_a_view_s_writes_are_kept_only_when_its_response_succeeds(
    boundary_app, session, outcome, status, kept
):
    boundary_app.config["WTF_CSRF_ENABLED"] = False
    response = boundary_app.test_client().post(f"/_boundary/{outcome}")
    assert response.status_code == status
    assert _written(session, outcome) == kept
