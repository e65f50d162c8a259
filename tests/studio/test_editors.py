"""Who edits which course: the rules, the command line and the admin page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import AuditEvent, CourseEditor
from app.studio import editors
from tests.conftest import csrf_from
from tests.studio.conftest import course_files


@pytest.fixture
def people(make_user):  # noqa: ANN001, ANN201
    """A trainer, another trainer, an admin, a learner and an HR officer."""

    return {
        "tina": make_user("tina", roles={"trainer"}),
        "olga": make_user("olga", roles={"trainer"}),
        "root": make_user("root", roles={"admin"}),
        "lena": make_user("lena"),
    }


def test_who_may_edit_what(session, people, sync_course):
    sync_course(course_files("synced"), folder="synced")
    editors.grant(session, "mine", people["tina"], actor=people["root"])
    tina, olga, root, lena = people["tina"], people["olga"], people["root"], people["lena"]
    assert editors.can_edit(session, tina, "mine")
    assert not editors.can_edit(session, olga, "mine")  # someone else's
    assert not editors.can_edit(session, olga, "synced")  # on the site, no editor yet
    assert editors.can_edit(session, olga, "brand-new")  # nobody has it
    assert editors.can_edit(session, root, "mine") and editors.can_edit(session, root, "synced")
    assert not editors.can_edit(session, lena, "brand-new")  # learners edit nothing
    assert editors.may_see(session, tina, "mine") and not editors.may_see(session, olga, "mine")


def test_only_a_trainer_can_be_granted_a_course(session, people):
    with pytest.raises(editors.EditorError, match="lena is not a trainer"):
        editors.grant(session, "c1", people["lena"], actor=people["root"])
    with pytest.raises(editors.EditorError, match="is not a course id"):
        editors.grant(session, "Not An Id", people["tina"], actor=people["root"])
    editors.grant(session, "c1", people["tina"], actor=people["root"])
    with pytest.raises(editors.EditorError, match="tina already edits c1"):
        editors.grant(session, "c1", people["tina"], actor=people["root"])


def test_granting_and_removing_are_audit_logged(session, people):
    editors.grant(session, "c1", people["tina"], actor=people["root"])
    editors.revoke(session, "c1", people["tina"], actor=people["root"])
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("course_editor_%")).order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.subject, e.actor_id, e.details["editor"]) for e in events] == [
        ("course_editor_granted", "c1", people["root"].id, "tina"),
        ("course_editor_revoked", "c1", people["root"].id, "tina"),
    ]
    with pytest.raises(editors.EditorError, match="tina is not an editor of c1"):
        editors.revoke(session, "c1", people["tina"], actor=None)


def test_the_command_adds_lists_and_removes_editors(runner, session, people):
    added = runner.invoke(args=["courses", "editors", "c1", "--add", "tina"])
    assert added.exit_code == 0, added.output
    assert "tina now edits c1." in added.output
    listed = runner.invoke(args=["courses", "editors", "c1"])
    assert listed.output.startswith("tina\t") and "granted by -" in listed.output
    removed = runner.invoke(args=["courses", "editors", "c1", "--remove", "tina"])
    assert "tina no longer edits c1." in removed.output
    assert runner.invoke(args=["courses", "editors", "c1"]).output == "c1 has no editors.\n"
    assert session.scalars(select(CourseEditor)).all() == []


def test_the_command_says_what_is_wrong(runner, session, people):
    unknown = runner.invoke(args=["courses", "editors", "c1", "--add", "nobody"])
    assert unknown.exit_code == 1 and "No user is called 'nobody'." in unknown.output
    learner = runner.invoke(args=["courses", "editors", "c1", "--add", "lena"])
    assert learner.exit_code == 1
    assert "lena is not a trainer. Give them the trainer role first." in learner.output
    both = runner.invoke(args=["courses", "editors", "c1", "--add", "tina", "--remove", "olga"])
    assert both.exit_code == 2
    assert session.scalars(select(CourseEditor)).all() == []


def test_the_admin_page_adds_and_removes_an_editor(client, auth, session, people):
    auth.login("root")
    page = client.get("/admin/courses/newc/editors")
    assert "This course has no editors" in page.text
    added = client.post(
        "/admin/courses/newc/editors",
        data={"csrf_token": csrf_from(page.text), "username": "tina"},
    )
    assert added.status_code == 302
    editor = session.scalar(select(CourseEditor))
    assert (editor.course_slug, editor.user_id, editor.granted_by_id) == (
        "newc", people["tina"].id, people["root"].id
    )
    page = client.get("/admin/courses/newc/editors").text
    assert "tina now edits newc." in page and "granted by root" in page
    removed = client.post(
        f"/admin/courses/newc/editors/{people['tina'].id}/remove",
        data={"csrf_token": csrf_from(page)},
    )
    assert removed.status_code == 302
    assert session.scalars(select(CourseEditor)).all() == []


def test_the_admin_page_refuses_a_learner_or_an_unknown_name(client, auth, session, people):
    auth.login("root")
    page = client.get("/admin/courses/newc/editors").text
    for username, message in (("lena", "lena is not a trainer"), ("ghost", "Nobody has this")):
        response = client.post(
            "/admin/courses/newc/editors",
            data={"csrf_token": csrf_from(page), "username": username},
        )
        assert response.status_code == 422 and message in response.text
    assert session.scalars(select(CourseEditor)).all() == []


def test_the_admin_list_shows_every_course_and_opens_any_id(client, auth, session, people):
    editors.grant(session, "c1", people["tina"], actor=None)
    auth.login("root")
    page = client.get("/admin/courses").text
    assert '<a href="/admin/courses/c1/editors"><code>c1</code></a>' in page
    assert "tina" in page
    opened = client.get("/admin/courses?course=Brand-New")
    assert opened.location == "/admin/courses/brand-new/editors"
    bad = client.get("/admin/courses?course=no%20such%20id")
    assert bad.status_code == 422 and "lower-case letters, digits and hyphens" in bad.text
