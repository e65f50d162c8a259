"""HR decides claims: approve, reduce with a reason, reject with a reason; once only, never their
own, never outside their subtree (404); an approval is a ledger entry the learner sees
explained on /me/credits; the list filters and pages in a bounded number of queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.models import AuditEvent, CreditEntry, TrainingClaim
from tests import factories
from tests.conftest import Auth, csrf_from
from tests.test_claims import image_bytes, make_claim, today


@pytest.fixture
def world(session):  # noqa: ANN001, ANN201
    """PROV > CITY > COUNTY, and OTHER; Ann learns in COUNTY; HR: Hana (CITY), Olga (OTHER),
    Hank (CITY, and a learner there himself), Paul (PROV); Boss the administrator."""
    prov = factories.unit(session, "PROV", "Province")
    city = factories.unit(session, "CITY", "City", parent=prov)
    county = factories.unit(session, "COUNTY", "County", parent=city)
    town = factories.unit(session, "TOWN", "Town", parent=city)
    other = factories.unit(session, "OTHER", "Other")
    people = {
        "ann": factories.user(session, "ann", unit=county, full_name="Ann Lee"),
        "tom": factories.user(session, "tom", unit=town, full_name="Tom Wu"),
        "hana": factories.user(session, "hana", roles={"hr"}, unit=city, full_name="Hana Li"),
        "olga": factories.user(session, "olga", roles={"hr"}, unit=other),
        "hank": factories.user(session, "hank", roles={"hr", "learner"}, unit=city),
        "paul": factories.user(session, "paul", roles={"hr"}, unit=prov, full_name="Paul Ma"),
        "boss": factories.user(session, "boss", roles={"admin"}, unit=prov),
    }
    return people


def signed_in(app, username: str):  # noqa: ANN001, ANN201
    client = app.test_client()
    assert Auth(client).login(username).status_code == 302
    return client


def decide(client, claim_id: int, code: str = "CITY", **fields):  # noqa: ANN001, ANN201
    """Open the claim page and send its decision form with `fields`."""
    page = client.get(f"/reports/units/{code}/claims/{claim_id}")
    data = {"csrf_token": csrf_from(page.text) if page.status_code == 200 else _token(client)}
    data.update(fields)
    return client.post(f"/reports/units/{code}/claims/{claim_id}/decision", data=data)


def _token(client) -> str:  # noqa: ANN001
    return csrf_from(client.get("/account/password").text)


def claim(session, claim_id: int) -> TrainingClaim:  # noqa: ANN001
    session.rollback()  # read what the requests committed
    return session.get(TrainingClaim, claim_id)


def ledger(session) -> list[CreditEntry]:  # noqa: ANN001
    session.rollback()
    return list(session.scalars(select(CreditEntry).order_by(CreditEntry.id)))


def test_hr_approves_all_hours_and_the_learner_sees_them_explained(app, session, world):
    ended = today() - timedelta(days=3)
    claim_id = make_claim(app, "ann", hours=8, title="Data security", ended_on=ended)
    hana = signed_in(app, "hana")
    page = hana.get(f"/reports/units/CITY/claims/{claim_id}").text
    assert 'name="hours"' in page and 'value="8"' in page  # default: the hours claimed
    assert "Credit hours of Ann Lee in" in page
    response = decide(hana, claim_id, decision="approve", hours="8")
    assert response.status_code == 302
    assert response.headers["Location"] == "/reports/units/CITY/claims"
    assert "Approved: 8 credit hours for Ann Lee." in hana.get("/reports/units/CITY/claims").text
    decided = claim(session, claim_id)
    assert (decided.status, decided.hours_approved) == ("approved", 8)
    assert decided.decision_reason is None
    assert decided.decided_by_id == world["hana"].id and decided.decided_at is not None
    [entry] = ledger(session)
    assert (entry.user_id, entry.hours, entry.source) == (world["ann"].id, 8, "offline_training")
    assert entry.year == ended.year and decided.credit_entry_id == entry.id
    ann = signed_in(app, "ann")
    credits = ann.get(f"/me/credits?year={ended.year}").text
    assert "8 of 50 credit hours" in credits
    start = ended - timedelta(days=1)
    assert (
        f"Offline training: Data security, Party School, {_long(start)} to {_long(ended)};"
        " approved by Hana Li"
    ) in credits
    mine = ann.get("/me/claims").text
    assert "Approved" in mine and "by Hana Li" in mine


def _long(day: date) -> str:
    """A date as the English pages write it (Babel's medium format: Mar 2, 2026)."""
    return f"{day.strftime('%b')} {day.day}, {day.year}"


def test_hr_approves_fewer_hours_only_with_a_reason(app, session, world):
    claim_id = make_claim(app, "ann", hours=8)
    hana = signed_in(app, "hana")
    refused = decide(hana, claim_id, decision="approve", hours="6", reason="")
    assert refused.status_code == 422
    assert "Give the reason for approving fewer hours than claimed" in refused.text
    assert claim(session, claim_id).status == "pending" and ledger(session) == []
    for hours in ("9", "0", "-1", "lots"):
        response = decide(hana, claim_id, decision="approve", hours=hours, reason="Why")
        assert response.status_code == 422, hours
    assert claim(session, claim_id).status == "pending" and ledger(session) == []
    response = decide(
        hana, claim_id, decision="approve", hours="6", reason="Day 3 was a visit, not teaching"
    )
    assert response.status_code == 302
    decided = claim(session, claim_id)
    assert (decided.hours_claimed, decided.hours_approved) == (8, 6)
    assert decided.decision_reason == "Day 3 was a visit, not teaching"
    [entry] = ledger(session)
    assert entry.hours == 6
    credits = signed_in(app, "ann").get(f"/me/credits?year={entry.year}").text
    assert "8 h claimed, 6 h approved: Day 3 was a visit, not teaching" in credits
    assert "6 of 50 credit hours" in credits


def test_hr_rejects_only_with_a_reason_and_the_learner_reads_it(app, session, world):
    claim_id = make_claim(app, "ann")
    hana = signed_in(app, "hana")
    refused = decide(hana, claim_id, decision="reject", reason="  ")
    assert refused.status_code == 422
    assert "Give the reason for the rejection" in refused.text
    assert claim(session, claim_id).status == "pending"
    assert decide(hana, claim_id, decision="", reason="x").status_code == 422
    response = decide(hana, claim_id, decision="reject", reason="The certificate is unsigned.")
    assert response.status_code == 302
    decided = claim(session, claim_id)
    assert (decided.status, decided.hours_approved) == ("rejected", None)
    assert ledger(session) == []
    mine = signed_in(app, "ann").get("/me/claims").text
    assert "Rejected" in mine and "The certificate is unsigned." in mine


def test_a_decided_claim_is_not_decided_again(app, session, world):
    claim_id = make_claim(app, "ann", hours=8)
    hana = signed_in(app, "hana")
    page = hana.get(f"/reports/units/CITY/claims/{claim_id}").text
    form = {"csrf_token": csrf_from(page), "decision": "approve", "hours": "8"}
    url = f"/reports/units/CITY/claims/{claim_id}/decision"
    assert hana.post(url, data=form).status_code == 302
    replayed = hana.post(url, data=form)  # a double click, or the back button and resend
    assert replayed.status_code == 409
    assert "This claim was already approved by Hana Li (8 h); nothing was changed." in replayed.text
    paul = signed_in(app, "paul")
    late = decide(paul, claim_id, "PROV", decision="reject", reason="No")
    assert late.status_code == 409
    decided = claim(session, claim_id)
    assert (decided.status, decided.decided_by_id) == ("approved", world["hana"].id)
    assert len(ledger(session)) == 1
    approvals = session.scalars(select(AuditEvent).where(AuditEvent.action == "claim_approved"))
    assert len(list(approvals)) == 1
    page = paul.get(f"/reports/units/PROV/claims/{claim_id}").text
    assert 'name="decision"' not in page and "Hana Li" in page


def test_hr_outside_the_learner_s_subtree_gets_404_everywhere(app, session, world):
    claim_id = make_claim(app, "ann")
    olga = signed_in(app, "olga")
    base = f"/reports/units/CITY/claims/{claim_id}"
    for path in ("/reports/units/CITY/claims", base, f"{base}/evidence"):
        assert olga.get(path).status_code == 404, path
    # Through her own unit the claim does not exist either.
    for path in (
        f"/reports/units/OTHER/claims/{claim_id}",
        f"/reports/units/OTHER/claims/{claim_id}/evidence",
    ):
        assert olga.get(path).status_code == 404, path
    assert "Data security" not in olga.get("/reports/units/OTHER/claims?status=all").text
    for code in ("CITY", "OTHER"):
        response = decide(olga, claim_id, code, decision="approve", hours="8")
        assert response.status_code == 404
    # A learner or an HR officer of a unit below the learner's is not in scope either.
    tom = signed_in(app, "tom")
    assert tom.get(base).status_code == 404
    assert claim(session, claim_id).status == "pending" and ledger(session) == []


def test_hr_of_a_unit_above_and_admins_may_decide(app, session, world):
    first, second = make_claim(app, "ann", title="One"), make_claim(app, "ann", title="Two")
    assert decide(signed_in(app, "paul"), first, "PROV", decision="approve").status_code == 302
    boss = signed_in(app, "boss")
    assert decide(boss, second, "COUNTY", decision="reject", reason="Duplicate").status_code == 302
    assert claim(session, first).hours_approved == 8  # no hours given: all those claimed
    assert claim(session, second).status == "rejected"


def test_nobody_decides_their_own_claim(app, session, world):
    claim_id = make_claim(app, "hank")
    hank = signed_in(app, "hank")
    page = hank.get(f"/reports/units/CITY/claims/{claim_id}")
    assert page.status_code == 200
    assert "This is your own claim" in page.text and 'name="decision"' not in page.text
    response = decide(hank, claim_id, decision="approve", hours="8")
    assert response.status_code == 404
    assert claim(session, claim_id).status == "pending"
    assert decide(signed_in(app, "hana"), claim_id, decision="approve").status_code == 302


def test_decisions_are_audit_logged(app, session, world):
    approved, rejected = make_claim(app, "ann", hours=8, title="A"), make_claim(app, "tom")
    hana = signed_in(app, "hana")
    decide(hana, approved, decision="approve", hours="5", reason="Half day missed")
    decide(hana, rejected, decision="reject", reason="Not training")
    session.rollback()
    events = {
        e.action: e
        for e in session.scalars(select(AuditEvent).where(AuditEvent.action.like("claim_%")))
    }
    assert set(events) == {"claim_submitted", "claim_approved", "claim_rejected"}
    approval = events["claim_approved"]
    assert (approval.actor_id, approval.subject) == (world["hana"].id, "ann")
    assert approval.details["claim"] == approved
    assert (approval.details["hours_claimed"], approval.details["hours_approved"]) == (8, 5)
    assert approval.details["reason"] == "Half day missed"
    rejection = events["claim_rejected"]
    assert (rejection.subject, rejection.details["reason"]) == ("tom", "Not training")
    log = signed_in(app, "boss").get("/admin/audit?event=claim_approved").text
    assert "Training claim approved" in log


def test_hr_downloads_the_evidence_as_an_attachment(app, session, world):
    content = image_bytes("JPEG")
    claim_id = make_claim(app, "ann", file=content, name="scan.jpeg")
    response = signed_in(app, "hana").get(f"/reports/units/CITY/claims/{claim_id}/evidence")
    assert response.status_code == 200
    assert response.data == content
    assert response.mimetype == "image/jpeg"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_list_shows_pending_claims_first_and_filters(app, session, world):
    old = today() - timedelta(days=200)
    make_claim(app, "ann", title="Old seminar", ended_on=old)
    make_claim(app, "ann", title="Security workshop")
    decided = make_claim(app, "tom", title="Town meeting")
    decide(signed_in(app, "hana"), decided, decision="reject", reason="No")
    hana = signed_in(app, "hana")

    def titles(query: str = "") -> list[str]:
        page = hana.get(f"/reports/units/CITY/claims{query}")
        assert page.status_code == 200, query
        return [t for t in ("Old seminar", "Security workshop", "Town meeting") if t in page.text]

    assert titles() == ["Old seminar", "Security workshop"]
    assert "2 claims." in hana.get("/reports/units/CITY/claims").text
    assert titles("?status=rejected") == ["Town meeting"]
    assert titles("?status=all&unit=TOWN") == ["Town meeting"]
    assert titles("?status=all&q=ANN") == ["Old seminar", "Security workshop"]
    assert titles("?status=all&q=wu") == ["Town meeting"]
    assert titles(f"?from={(old + timedelta(days=1)).isoformat()}") == ["Security workshop"]
    assert titles(f"?to={old.isoformat()}") == ["Old seminar"]
    assert hana.get("/reports/units/CITY/claims?status=lost").status_code == 400
    assert hana.get("/reports/units/CITY/claims?from=someday").status_code == 400
    assert hana.get("/reports/units/CITY/claims?unit=OTHER").status_code == 404
    assert hana.get("/reports/units/COUNTY/claims?status=all").status_code == 200
    report = hana.get("/reports/units/CITY").text
    assert 'href="/reports/units/CITY/claims"' in report


def test_the_list_pages_and_its_queries_do_not_grow_with_the_claims(
    app, session, world, count_queries
):
    hana = signed_in(app, "hana")

    def counted() -> int:
        with count_queries() as queries:
            page = hana.get("/reports/units/CITY/claims")
        assert page.status_code == 200
        return queries.count

    for n in range(3):
        make_claim(app, "ann" if n % 2 else "tom", title=f"Course {n}")
    few = counted()
    for n in range(3, 55):
        make_claim(app, "ann" if n % 2 else "tom", title=f"Course {n}")
    assert counted() <= few
    page = hana.get("/reports/units/CITY/claims").text
    assert "55 claims." in page and "Page 1 of 2" in page
    second = hana.get("/reports/units/CITY/claims?page=2").text
    assert "Page 2 of 2" in second and "Course 0<" in second  # the oldest, last


def test_the_hr_pages_speak_chinese(app, session, world):
    claim_id = make_claim(app, "ann", title="数据安全培训")
    hana = signed_in(app, "hana")
    page = hana.get("/reports/units/CITY/claims")
    hana.post("/language/zh", data={"csrf_token": csrf_from(page.text)})
    listed = hana.get("/reports/units/CITY/claims").text
    assert '<html lang="zh-Hans">' in listed
    assert "培训学时申报" in listed and "数据安全培训" in listed and "1 条申报。" in listed
    detail = hana.get(f"/reports/units/CITY/claims/{claim_id}").text
    assert "证明材料" in detail and "通过" in detail and "驳回" in detail
    refused = decide(hana, claim_id, decision="reject", reason="")
    assert "请填写驳回理由" in refused.text
    decide(hana, claim_id, decision="approve", hours="6", reason="缺席半天")
    ann = signed_in(app, "ann")
    ann.post("/language/zh", data={"csrf_token": _token(ann)})
    credits = ann.get(f"/me/credits?year={claim(session, claim_id).ended_on.year}").text
    assert "线下培训：数据安全培训" in credits and "申报 8 学时，认定 6 学时：缺席半天" in credits


def test_two_decisions_sent_at_once_decide_the_claim_once(app, session, world):
    import threading

    claim_id = make_claim(app, "ann", hours=8)
    deciders = [
        ("hana", "CITY", {"decision": "approve"}),
        ("paul", "PROV", {"decision": "reject", "reason": "No"}),
    ]
    forms = []
    for username, code, fields in deciders:
        client = signed_in(app, username)
        page = client.get(f"/reports/units/{code}/claims/{claim_id}").text
        forms.append((client, code, {"csrf_token": csrf_from(page), **fields}))
    start, statuses = threading.Barrier(len(forms)), []

    def send(client, code, data) -> None:  # noqa: ANN001
        start.wait()
        response = client.post(f"/reports/units/{code}/claims/{claim_id}/decision", data=data)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=send, args=form) for form in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302, 409]
    decided = claim(session, claim_id)
    assert len(ledger(session)) == (1 if decided.status == "approved" else 0)
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action.in_(("claim_approved", "claim_rejected")))
    )
    assert len(list(events)) == 1
