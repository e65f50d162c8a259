"""Report pages never show a draft course to HR (drafts are for trainers and admins), and
downloads say their character set once."""

from __future__ import annotations

import pytest

from tests.test_reports import _course_files, _login, org  # noqa: F401  (the fixture)


@pytest.fixture
def draft(org, sync_course):  # noqa: ANN001, ANN201, F811
    files = _course_files("secret-draft")
    files["course.md"] = files["course.md"].replace("status: published", "status: draft")
    sync_course(files, folder="secret-draft")


def test_hr_cannot_open_a_draft_course_s_breakdown(app, draft):
    hana = _login(app, "hana")
    assert hana.get("/reports/units/CITY/courses/secret-draft").status_code == 404
    assert hana.get("/reports/units/CITY/courses/c1").status_code == 200


def test_hr_cannot_filter_a_report_by_a_draft_course(app, draft):
    hana = _login(app, "hana")
    assert hana.get("/reports/units/CITY?course=secret-draft").status_code == 404
    assert hana.get("/reports/units/CITY/learners?course=secret-draft").status_code == 404
    assert hana.get("/reports/units/CITY?course=c1").status_code == 200


def test_an_admin_still_sees_a_draft_course_s_breakdown(app, draft):
    root = _login(app, "root")
    assert root.get("/reports/units/CITY/courses/secret-draft").status_code == 200


def test_a_csv_download_names_its_character_set_once(app, org):  # noqa: F811
    hana = _login(app, "hana")
    response = hana.get("/reports/units/CITY?format=csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
