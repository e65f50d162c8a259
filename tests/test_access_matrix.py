"""Every route, every kind of visitor: the status each one gets.

Visitors: anonymous, a learner, a trainer, HR of another unit, HR of this unit (CITY), an
administrator, and a trainer who edits the course c1 in the studio (`editor`; the plain
`trainer` edits nothing). A new route fails `test_every_route_is_in_the_matrix` until it is
added here.
"""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from app.assignments.services import assign
from app.claims import services as claim_services
from app.db import db
from app.models import Certificate, Course
from app.models.types import utcnow
from app.progress.certificates import new_code
from app.studio import editors, revisions
from tests import factories
from tests.conftest import Auth

ROLES = ("anon", "learner", "trainer", "hr_other", "hr_this", "admin", "editor")

COURSE = (
    "---\nid: {id}\ntitle: Course {id}\nsummary: S.\nlanguage: en\ncredit_hours: 1\n"
    "status: {status}\n---\nOverview ![a](assets/a.svg)\n"
)
QUIZ = (
    "---\ntitle: Quiz\nminutes: 5\n---\n::: quiz\nid: q1\ntype: truefalse\n\nTrue?\n\n= true\n:::\n"
)
READ = "---\ntitle: Read\nminutes: 5\n---\nJust text.\n"
SVG = '<svg xmlns="http://www.w3.org/2000/svg"><title>a</title></svg>'


def _s(anon, learner, trainer, hr_other, hr_this, admin, editor=None):  # noqa: ANN001, ANN202
    """Statuses per visitor; the editor is a trainer, so gets what the trainer gets unless said."""
    editor = trainer if editor is None else editor
    statuses = (anon, learner, trainer, hr_other, hr_this, admin, editor)
    return dict(zip(ROLES, statuses, strict=True))


SIGNED_IN = _s(302, 200, 200, 200, 200, 200)
ADMIN_ONLY = _s(302, 404, 404, 404, 404, 200)
STAFF = _s(302, 404, 404, 200, 200, 200)
THIS_UNIT = _s(302, 404, 404, 404, 200, 200)
STUDIO = _s(302, 404, 200, 404, 404, 200)
# A staged revision of c1: its editor and admins; any other trainer gets the 404 of a miss.
C1_REVISION = _s(302, 404, 404, 404, 404, 200, editor=200)
# The learner's record through a unit above them (CITY) and through one that does not hold them.
RECORD = "/reports/units/CITY/learners/learner"
RECORD_ELSEWHERE = "/reports/units/OTHER/learners/learner"

# (method, path, expected status per role). {user}, {assignment} and {revision} are filled in
# per run.
MATRIX = [
    ("GET", "/", SIGNED_IN),
    ("GET", "/login", _s(200, 302, 302, 302, 302, 302)),
    ("GET", "/activate", _s(200, 302, 302, 302, 302, 302)),
    ("GET", "/account/password", SIGNED_IN),
    ("GET", "/account/security", SIGNED_IN),
    # Without a password given a moment ago in this browser there is no second step to take.
    ("GET", "/login/verify", _s(302, 302, 302, 302, 302, 302)),
    ("GET", "/static/css/site.css", _s(200, 200, 200, 200, 200, 200)),
    ("GET", "/me/credits", SIGNED_IN),
    ("GET", "/me/credits?year=2025", SIGNED_IN),
    # Certificates: {certificate} is the learner's; the public check answers everyone alike.
    ("GET", "/me/certificates", SIGNED_IN),
    ("GET", "/me/certificates/{certificate}.pdf", _s(302, 200, 404, 404, 404, 404)),
    ("GET", "/me/transcript.pdf", SIGNED_IN),
    ("GET", "/me/transcript.pdf?year=2025", SIGNED_IN),
    ("GET", "/verify/{certificate}", _s(200, 200, 200, 200, 200, 200)),
    ("GET", "/admin/certificates", ADMIN_ONLY),
    ("GET", "/admin/certificates?q=learner", ADMIN_ONLY),
    ("GET", "/admin/certificates/{certificate}/revoke", ADMIN_ONLY),
    ("GET", f"{RECORD}/transcript.pdf", THIS_UNIT),
    ("GET", f"{RECORD}/transcript.pdf?year=2025", THIS_UNIT),
    ("GET", f"{RECORD_ELSEWHERE}/transcript.pdf", _s(302, 404, 404, 404, 404, 404)),
    ("GET", "/courses", SIGNED_IN),
    ("GET", "/courses/c1", SIGNED_IN),
    ("GET", "/courses/dr", _s(302, 404, 200, 404, 404, 200)),
    ("GET", "/courses/c1/assets/a.svg", SIGNED_IN),
    ("GET", "/courses/dr/assets/a.svg", _s(302, 404, 200, 404, 404, 200)),
    ("GET", "/courses/c1/lessons/read", SIGNED_IN),
    ("GET", "/courses/dr/lessons/read", _s(302, 404, 200, 404, 404, 200)),
    ("GET", "/courses/c1/lessons/quiz/attempts", SIGNED_IN),
    ("GET", "/courses/c1/lessons/quiz/attempts/1", _s(302, 200, 404, 404, 404, 404)),
    ("GET", "/reports/", _s(302, 404, 404, 302, 302, 302)),
    ("GET", "/reports/units/CITY", THIS_UNIT),
    ("GET", "/reports/units/CITY?format=csv", THIS_UNIT),
    ("GET", "/reports/units/CITY?format=xlsx", THIS_UNIT),
    ("GET", "/reports/units/CITY?format=pdf", THIS_UNIT),
    ("GET", "/reports/units/CITY/learners", THIS_UNIT),
    ("GET", "/reports/units/CITY/implausible", THIS_UNIT),
    ("GET", "/reports/units/OTHER/implausible", _s(302, 404, 404, 200, 404, 200)),
    ("GET", "/reports/units/CITY/learners?format=csv", THIS_UNIT),
    ("GET", "/reports/units/CITY/courses/c1", THIS_UNIT),
    # The learner record: HR of the learner's subtree and admins; a unit that does not hold
    # the learner answers as if the learner did not exist, even for admins.
    ("GET", RECORD, THIS_UNIT),
    ("GET", f"{RECORD}?page=2", THIS_UNIT),
    ("GET", f"{RECORD}?year=2025", THIS_UNIT),
    ("GET", RECORD_ELSEWHERE, _s(302, 404, 404, 404, 404, 404)),
    ("GET", "/reports/units/CITY/courses/c1?format=xlsx", THIS_UNIT),
    ("GET", "/reports/units/PROV", _s(302, 404, 404, 404, 404, 200)),
    ("GET", "/assignments/", STAFF),
    ("GET", "/assignments/{assignment}/remove", THIS_UNIT),
    ("GET", "/admin/", _s(302, 404, 404, 404, 404, 302)),
    ("GET", "/admin/users", ADMIN_ONLY),
    ("GET", "/admin/users/{user}", ADMIN_ONLY),
    ("GET", "/admin/units", ADMIN_ONLY),
    ("GET", "/admin/users/import", ADMIN_ONLY),
    ("GET", "/admin/audit", ADMIN_ONLY),
    ("GET", "/admin/audit?event=login&user=learner&from=2026-01-01", ADMIN_ONLY),
    ("GET", "/admin/audit.csv", ADMIN_ONLY),
    ("GET", "/admin/courses", ADMIN_ONLY),
    ("GET", "/admin/courses?course=c1", _s(302, 404, 404, 404, 404, 302)),
    ("GET", "/admin/courses/c1/editors", ADMIN_ONLY),
    ("GET", "/studio", STUDIO),
    ("GET", "/studio/revisions/{revision}", C1_REVISION),
    ("GET", "/studio/courses/c1/questions", C1_REVISION),
    ("GET", "/studio/courses/c1/questions.csv", C1_REVISION),
    ("GET", "/studio/revisions/{revision}/source/course.md", C1_REVISION),
    ("GET", "/studio/revisions/{revision}/source/assets/a.svg", C1_REVISION),
    ("GET", "/studio/revisions/{revision}/edit/course.md", C1_REVISION),
    ("GET", "/studio/revisions/{revision}/preview", C1_REVISION),
    ("GET", "/studio/revisions/{revision}/preview/lessons/read", C1_REVISION),
    ("GET", "/admin/credit-rules", ADMIN_ONLY),
    # Offline training claims: the learner's own pages (claim 1 is the `learner`'s, in COUNTY),
    # and HR's under the unit report (CITY holds the learner; OTHER does not, even for admins).
    ("GET", "/me/claims", SIGNED_IN),
    ("GET", "/me/claims/new", SIGNED_IN),
    ("GET", "/me/claims/1/evidence", _s(302, 200, 404, 404, 404, 404)),
    ("GET", "/reports/units/CITY/claims", THIS_UNIT),
    ("GET", "/reports/units/CITY/claims?status=all&q=learner", THIS_UNIT),
    ("GET", "/reports/units/OTHER/claims", _s(302, 404, 404, 200, 404, 200)),
    ("GET", "/reports/units/CITY/claims/1", THIS_UNIT),
    ("GET", "/reports/units/CITY/claims/1/evidence", THIS_UNIT),
    ("GET", "/reports/units/OTHER/claims/1", _s(302, 404, 404, 404, 404, 404)),
    ("GET", "/reports/units/OTHER/claims/1/evidence", _s(302, 404, 404, 404, 404, 404)),
    # POSTs carry a valid CSRF token but no other data: who gets past the door, and who doesn't.
    ("POST", "/login", _s(200, 302, 302, 302, 302, 302)),
    ("POST", "/activate", _s(422, 302, 302, 302, 302, 302)),
    ("POST", "/account/password", _s(302, 422, 422, 422, 422, 422)),
    ("POST", "/account/sessions/end-others", _s(302, 302, 302, 302, 302, 302)),
    ("POST", "/login/verify", _s(302, 302, 302, 302, 302, 302)),
    # Nobody here has an authenticator (waiting or confirmed): each is sent back to the page.
    ("POST", "/account/security/totp/confirm", _s(302, 302, 302, 302, 302, 302)),
    ("POST", "/account/security/recovery-codes", _s(302, 302, 302, 302, 302, 302)),
    ("POST", "/account/security/totp/remove", _s(302, 302, 302, 302, 302, 302)),
    # Starting the set-up: from here on each signed-in visitor has an authenticator waiting.
    ("POST", "/account/security/totp", _s(302, 302, 302, 302, 302, 302)),
    ("POST", "/language/zh", _s(302, 302, 302, 302, 302, 302)),
    ("POST", "/preferences/text-size", _s(302, 302, 302, 302, 302, 302)),
    ("POST", "/courses/c1/lessons/read/complete", _s(302, 302, 302, 302, 302, 302)),
    ("POST", "/courses/dr/lessons/read/complete", _s(302, 404, 302, 404, 404, 302)),
    ("POST", "/courses/c1/lessons/read/heartbeat", _s(302, 200, 200, 200, 200, 200)),
    ("POST", "/courses/c1/lessons/quiz/quiz", _s(302, 400, 400, 400, 400, 400)),
    ("POST", "/courses/c1/lessons/quiz/quiz/new", _s(302, 302, 302, 302, 302, 302)),
    ("POST", f"{RECORD}/attempt-grants", _s(302, 404, 404, 404, 422, 422)),
    ("POST", f"{RECORD_ELSEWHERE}/attempt-grants", _s(302, 404, 404, 404, 404, 404)),
    # Adjusting credit hours: administrators only (an empty form is refused with 422).
    ("POST", f"{RECORD}/credit-adjustments", _s(302, 404, 404, 404, 404, 422)),
    ("POST", f"{RECORD_ELSEWHERE}/credit-adjustments", _s(302, 404, 404, 404, 404, 404)),
    # Revoking needs a reason: an empty form is refused on the page (422), nothing revoked.
    ("POST", "/admin/certificates/{certificate}/revoke", _s(302, 404, 404, 404, 404, 422)),
    ("POST", "/courses/c1/lessons/quiz/quiz/start", _s(302, 302, 302, 302, 302, 302)),
    ("POST", "/assignments/", _s(302, 404, 404, 422, 422, 422)),
    ("POST", "/assignments/{assignment}/remove", _s(302, 404, 404, 404, 302, 302)),
    ("POST", "/admin/users/{user}", _s(302, 404, 404, 404, 404, 422)),
    ("POST", "/admin/users/{user}/activation-code", _s(302, 404, 404, 404, 404, 200)),
    ("POST", "/admin/users/{user}/end-sessions", _s(302, 404, 404, 404, 404, 302)),
    ("POST", "/admin/users/{user}/second-factor/reset", _s(302, 404, 404, 404, 404, 302)),
    ("POST", "/admin/units/import", _s(302, 404, 404, 404, 404, 422)),
    ("POST", "/admin/units/import/confirm", _s(302, 404, 404, 404, 404, 302)),
    ("POST", "/admin/users/import", _s(302, 404, 404, 404, 404, 422)),
    ("POST", "/admin/users/import/confirm", _s(302, 404, 404, 404, 404, 302)),
    ("POST", "/admin/users/import/codes.csv", _s(302, 404, 404, 404, 404, 302)),
    ("POST", "/admin/courses/c1/editors", _s(302, 404, 404, 404, 404, 422)),
    # {user} edits nothing: the admin is told so on the page it is sent back to.
    ("POST", "/admin/courses/c1/editors/{user}/remove", _s(302, 404, 404, 404, 404, 302)),
    # No archive in the form: those who may upload are told to choose one.
    ("POST", "/studio/upload", _s(302, 404, 422, 404, 404, 422)),
    # Without the ticked box nothing is published or discarded: back to the check page.
    ("POST", "/studio/revisions/{revision}/publish", _s(302, 404, 404, 404, 404, 302, editor=302)),
    # No action named: the text is checked (an empty course.md has errors), nothing saved.
    (
        "POST",
        "/studio/revisions/{revision}/edit/course.md",
        _s(302, 404, 404, 404, 404, 200, editor=200),
    ),
    # c1 has a staged revision: its editor and admins are sent to it, nothing new is staged.
    ("POST", "/studio/courses/c1/revise", _s(302, 404, 404, 404, 404, 302, editor=302)),
    # No file in the form: back to the check page, which says to choose one.
    ("POST", "/studio/revisions/{revision}/gift", _s(302, 404, 404, 404, 404, 302, editor=302)),
    ("POST", "/studio/revisions/{revision}/discard", _s(302, 404, 404, 404, 404, 302, editor=302)),
    # No GIT_WEBHOOK_SECRET here, so the hook does not exist; with one, only the signature
    # counts, whoever sends it (tests/studio/test_git_pull.py).
    ("POST", "/studio/hooks/git", _s(404, 404, 404, 404, 404, 404)),
    # An empty rule file is refused on the page (422), nothing loaded.
    ("POST", "/admin/credit-rules", _s(302, 404, 404, 404, 404, 422)),
    # An empty claim form is refused on the page (422), nothing written; so is an empty
    # decision, by those who may decide.
    ("POST", "/me/claims/new", _s(302, 422, 422, 422, 422, 422)),
    ("POST", "/reports/units/CITY/claims/1/decision", _s(302, 404, 404, 404, 422, 422)),
    ("POST", "/reports/units/OTHER/claims/1/decision", _s(302, 404, 404, 404, 404, 404)),
    ("POST", "/logout", _s(302, 302, 302, 302, 302, 302)),
]


@pytest.fixture
def world(app, sync_course):
    """Units PROV > CITY > COUNTY and OTHER; a published and a draft course; one person per role."""
    folders = {}
    for slug, status in (("c1", "published"), ("dr", "draft")):
        folders[slug] = sync_course(
            {
                "course.md": COURSE.format(id=slug, status=status),
                "assets/a.svg": SVG,
                "01-m/01-quiz.md": QUIZ,
                "01-m/02-read.md": READ,
            },
            folder=slug,
        )
    w = db.new_session()
    prov = factories.unit(w, "PROV")
    city = factories.unit(w, "CITY", parent=prov)
    county = factories.unit(w, "COUNTY", parent=city)
    other = factories.unit(w, "OTHER")
    course = w.scalar(select(Course).where(Course.slug == "c1"))
    assignment = assign(w, city, course, due_date=None)
    learner = factories.user(w, "learner", unit=county)
    factories.user(w, "trainer", roles={"trainer"}, unit=county)
    factories.user(w, "hr_other", roles={"hr"}, unit=other)
    factories.user(w, "hr_this", roles={"hr"}, unit=city)
    factories.user(w, "admin", roles={"admin"}, unit=prov)
    editor = factories.user(w, "editor", roles={"trainer"}, unit=county)
    target = factories.user(w, "target", unit=county)
    editors.grant(w, "c1", editor, actor=None)
    with app.app_context():
        revision = revisions.stage(w, folders["c1"], actor=editor, source="upload")
        # The learner's pending claim of offline training (id 1 in an emptied database).
        day = date(2025, 6, 2)
        details = claim_services.ClaimDetails("Seminar", "Party School", day, day, 4)
        claim = claim_services.submit(
            w,
            learner,
            details,
            stream=io.BytesIO(b"%PDF-1.4\n%%EOF\n"),
            filename="c.pdf",
            today=day,
        )
        assert claim.id == 1
    # The learner's course certificate: its PDF is theirs alone, its check is public.
    certificate = Certificate(
        code=new_code(),
        kind="course",
        user_id=learner.id,
        learner_name="Learner",
        unit_name="Unit COUNTY",
        title="Course c1",
        hours=1,
        completed_at=utcnow(),
    )
    w.add(certificate)
    w.commit()
    ids = {
        "assignment": assignment.id,
        "user": target.id,
        "revision": revision.token,
        "certificate": certificate.code,
    }
    w.close()
    # The learner has one submitted attempt, so /attempts/1 exists for them alone.
    client = app.test_client()
    Auth(client).login("learner")
    page = client.get("/courses/c1/lessons/quiz").text
    token = re.search(r'name="attempt_token" value="([^"]+)"', page).group(1)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/courses/c1/lessons/quiz/quiz",
        data={"csrf_token": csrf, "attempt_token": token, "q-q1": "true"},
    )
    return ids


def _client(app, role):  # noqa: ANN001, ANN202
    client = app.test_client()
    if role != "anon":
        assert Auth(client).login(role).status_code == 302
    return client


def _csrf(client) -> str:  # noqa: ANN001
    page = client.get("/login").text
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if match is None:  # signed in: /login redirects; any page with a form has the token
        page = client.get("/account/password").text
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    return match.group(1)


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, world, role):
    failures = []
    for method, template, expected in MATRIX:
        client = _client(app, role)  # a fresh browser: earlier requests must not leak state
        path = template.format(**world)
        if method == "GET":
            response = client.get(path)
        else:
            response = client.post(path, data={"csrf_token": _csrf(client)})
        response.close()
        if response.status_code != expected[role]:
            failures.append(f"{method} {path}: {response.status_code}, expected {expected[role]}")
    assert failures == []


def test_every_route_is_in_the_matrix(app):
    covered = set()
    adapter = app.url_map.bind("localhost")
    for method, template, _expected in MATRIX:
        path = template.format(assignment=1, user=1, revision="r", certificate="C").split("?")[0]
        endpoint, _args = adapter.match(path, method=method)
        covered.add((endpoint, method))
    missing = []
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (rule.endpoint, method) not in covered:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert missing == []


# /logout signs this browser out whatever the token; the git hook is called by a forge, not a
# browser, and its credential is the body's signature (tests/studio/test_git_pull.py).
NOT_FROM_BROWSERS = ("/logout", "/studio/hooks/git")


def test_post_without_csrf_is_refused_everywhere(app, world):
    client = _client(app, "admin")
    for method, template, _expected in MATRIX:
        if method == "POST" and template not in NOT_FROM_BROWSERS:
            response = client.post(template.format(**world), data={})
            assert response.status_code in (400, 302), template
            if response.status_code == 302:  # only views that send visitors away first
                assert template in ("/login", "/activate"), template


# What anonymous visitors may open without being sent to sign in: signing in and activating an
# account, the static files, and the public check of a certificate. A new public page must be
# added here on purpose.
PUBLIC_ENDPOINTS = {"auth.login", "auth.activate", "static", "certificates.verify"}


def test_only_the_known_public_pages_answer_anonymous_visitors(app):
    adapter = app.url_map.bind("localhost")
    public = set()
    for method, template, expected in MATRIX:
        if expected["anon"] in (302, 404):
            continue
        path = template.format(assignment=1, user=1, revision="r", certificate="C").split("?")[0]
        public.add(adapter.match(path, method=method)[0])
    assert public == PUBLIC_ENDPOINTS
