"""Assignments resolve through the unit tree, follow learners who move, and respect scope."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.assignments.services import assign, rebuild_unit_courses, unassign
from app.db import db
from app.models import Assignment, AuditEvent, Course, UnitCourse, User
from tests import factories
from tests.conftest import csrf_from

COURSE = (
    "---\nid: {id}\ntitle: Course {id}\nsummary: S.\nlanguage: en\ncredit_hours: 1\n"
    "status: {status}\n---\nOverview.\n"
)
LESSON = "---\ntitle: L\nminutes: 5\n---\nText.\n"


@pytest.fixture
def tree(sync_course):
    """PROV > CITY > COUNTY, and OTHER beside PROV; courses c1, c2 and a draft."""
    for slug, status in [("c1", "published"), ("c2", "published"), ("dr", "draft")]:
        sync_course(
            {"course.md": COURSE.format(id=slug, status=status), "01-m/01-l.md": LESSON},
            folder=slug,
        )
    # A deferred (reader-first) session: an open read never blocks the app's writers.
    writer = db.new_session(write=False)
    prov = factories.unit(writer, "PROV")
    city = factories.unit(writer, "CITY", parent=prov)
    factories.unit(writer, "COUNTY", parent=city)
    factories.unit(writer, "OTHER")
    writer.commit()
    yield writer
    writer.close()


def _unit(writer, code):  # noqa: ANN001, ANN202
    from app.organisation.tree import unit_by_code

    return unit_by_code(writer, code)


def _course(writer, slug):  # noqa: ANN001, ANN202
    return writer.scalar(select(Course).where(Course.slug == slug))


def _applies(writer) -> set[tuple[str, str]]:  # noqa: ANN001
    writer.expire_all()
    rows = writer.execute(
        select(UnitCourse, Course.slug).join(Course, Course.id == UnitCourse.course_id)
    ).all()
    from app.models import Unit

    codes = {u.id: u.code for u in writer.scalars(select(Unit))}
    return {(codes[uc.unit_id], slug) for uc, slug in rows}


def test_assignment_reaches_every_unit_below(tree):
    assign(tree, _unit(tree, "PROV"), _course(tree, "c1"), due_date=None)
    assert _applies(tree) == {("PROV", "c1"), ("CITY", "c1"), ("COUNTY", "c1")}


def test_assignment_without_subunits_stays_on_the_unit(tree):
    assign(tree, _unit(tree, "CITY"), _course(tree, "c1"), due_date=None, include_subunits=False)
    assert _applies(tree) == {("CITY", "c1")}


def test_nearest_assignment_wins_for_its_due_date(tree):
    assign(tree, _unit(tree, "PROV"), _course(tree, "c1"), due_date=date(2027, 6, 30))
    assign(tree, _unit(tree, "CITY"), _course(tree, "c1"), due_date=date(2027, 3, 31))
    tree.expire_all()
    dues = {uc.unit_id: uc.due_date for uc in tree.scalars(select(UnitCourse))}
    assert dues[_unit(tree, "PROV").id] == date(2027, 6, 30)
    assert dues[_unit(tree, "COUNTY").id] == date(2027, 3, 31)


def test_removing_the_nearer_assignment_falls_back_to_the_one_above(tree):
    assign(tree, _unit(tree, "PROV"), _course(tree, "c1"), due_date=date(2027, 6, 30))
    near = assign(tree, _unit(tree, "CITY"), _course(tree, "c1"), due_date=date(2027, 3, 31))
    unassign(tree, near, actor_id=None)
    tree.expire_all()
    county = tree.scalar(select(UnitCourse).where(UnitCourse.unit_id == _unit(tree, "COUNTY").id))
    assert county.due_date == date(2027, 6, 30)


def test_a_new_unit_inherits_its_parents_assignments(tree):
    assign(tree, _unit(tree, "PROV"), _course(tree, "c1"), due_date=None)
    factories.unit(tree, "NEWTOWN", parent=_unit(tree, "CITY"))
    assert ("NEWTOWN", "c1") in _applies(tree)


def test_a_learner_who_moves_gets_the_new_units_assignments(tree, client, auth, make_user, session):
    from app.models import Unit

    assign(tree, _unit(tree, "CITY"), _course(tree, "c1"), due_date=None)
    assign(tree, _unit(tree, "OTHER"), _course(tree, "c2"), due_date=None)
    city_id, other_id = _unit(tree, "CITY").id, _unit(tree, "OTHER").id
    tree.commit()
    user = make_user("ann", unit=session.get(Unit, city_id))
    auth.login("ann")
    assert "Course c1" in client.get("/").text.split("Continue learning")[0]
    session.get(User, user.id).unit_id = other_id
    required = client.get("/").text.split("Continue learning")[0]
    assert "Course c2" in required and "Course c1" not in required


def test_drafts_cannot_be_assigned(tree):
    from app.assignments.services import AssignmentError

    with pytest.raises(AssignmentError):
        assign(tree, _unit(tree, "PROV"), _course(tree, "dr"), due_date=None)


def test_rebuild_everywhere_is_idempotent(tree):
    assign(tree, _unit(tree, "PROV"), _course(tree, "c1"), due_date=None)
    before = _applies(tree)
    rebuild_unit_courses(tree)
    rebuild_unit_courses(tree)
    assert _applies(tree) == before


def test_cli_assignments_add(runner, tree, session):
    tree.commit()
    result = runner.invoke(
        args=["assignments", "add", "--unit", "CITY", "--course", "c1", "--due", "2027-03-31"]
    )
    assert result.exit_code == 0, result.output
    assert "Assigned c1 to CITY" in result.output
    assert ("COUNTY", "c1") in _applies(tree)
    tree.rollback()
    bad = runner.invoke(
        args=["assignments", "add", "--unit", "CITY", "--course", "c1", "--due", "31/3"]
    )
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output
    missing = runner.invoke(args=["assignments", "add", "--unit", "NOPE", "--course", "c1"])
    assert missing.exit_code != 0 and "NOPE" in missing.output


def test_hr_assigns_inside_their_area_only(app, client, auth, make_user, tree, session):
    from app.models import Unit

    city_id = _unit(tree, "CITY").id
    tree.commit()
    city = session.get(Unit, city_id)
    make_user("hana", roles={"hr"}, unit=city)
    auth.login("hana")
    page = client.get("/assignments/")
    assert page.status_code == 200
    data = {
        "csrf_token": csrf_from(page.text),
        "course": "c1",
        "due_date": "2027-03-31",
        "include_subunits": "y",
        "required": "y",
    }
    inside = client.post("/assignments/", data={**data, "unit_code": "COUNTY"})
    assert inside.status_code == 302
    outside = client.post("/assignments/", data={**data, "unit_code": "OTHER"})
    assert outside.status_code == 422
    assert "in your area" in outside.text
    assert [a.unit.code for a in session.scalars(select(Assignment))] == ["COUNTY"]
    assert session.scalar(select(AuditEvent.action).where(AuditEvent.action == "assignment_set"))


def test_removing_needs_confirmation_and_stays_in_scope(
    app, client, auth, make_user, tree, session
):
    from app.models import Unit

    other = assign(tree, _unit(tree, "OTHER"), _course(tree, "c1"), due_date=None)
    mine = assign(tree, _unit(tree, "COUNTY"), _course(tree, "c1"), due_date=None)
    city_id = _unit(tree, "CITY").id
    tree.commit()
    make_user("hana", roles={"hr"}, unit=session.get(Unit, city_id))
    auth.login("hana")
    assert client.get(f"/assignments/{other.id}/remove").status_code == 404
    confirm = client.get(f"/assignments/{mine.id}/remove")
    assert confirm.status_code == 200 and "Remove" in confirm.text
    client.post(f"/assignments/{mine.id}/remove", data={"csrf_token": csrf_from(confirm.text)})
    assert session.get(Assignment, mine.id) is None


def test_learners_do_not_see_the_assignment_pages(client, auth, make_user):
    make_user("ann")
    auth.login("ann")
    assert client.get("/assignments/").status_code == 404


def test_assignment_list_runs_the_same_number_of_queries_however_many_units(
    client, auth, make_user, tree, session, count_queries
):
    from app.models import Unit

    assign(tree, _unit(tree, "PROV"), _course(tree, "c1"), due_date=None)
    prov_id = _unit(tree, "PROV").id
    tree.commit()
    make_user("root", roles={"admin"}, unit=session.get(Unit, prov_id))
    auth.login("root")

    def queries() -> int:
        with count_queries() as counted:
            assert client.get("/assignments/").status_code == 200
        return counted.count

    one_unit = queries()
    for code in ("CITY", "COUNTY", "OTHER"):
        assign(tree, _unit(tree, code), _course(tree, "c2"), due_date=None)
    tree.commit()
    assert queries() == one_unit
