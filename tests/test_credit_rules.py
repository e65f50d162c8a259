"""Credit rules: the arithmetic of an award (bands, bonus, caps), the rule file's checks, and
which stored version is in force for a year."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.credits import store
from app.credits.rules import (
    Band,
    CourseFacts,
    RuleFileError,
    RuleSpec,
    check_rule_text,
    compute_award,
)
from app.models import AuditEvent, CreditRule

PROVINCE_BANDS = (Band(0, 15, 0.25), Band(15, 30, 0.5), Band(30, None, 1.0))
BANDS = RuleSpec(2027, "bands", PROVINCE_BANDS, closing_test_bonus=0.5)
CAPPED = RuleSpec(2027, "bands", PROVINCE_BANDS, 0.5, cap_per_course=1.2, cap_per_year=3)
DECLARED_CAPPED = RuleSpec(2027, "declared", cap_per_course=2)

RULE_FILE = """\
year: 2027
method: bands
bands:
  - {from: 30, hours: 1}
  - {from: 0, to: 15, hours: 0.25}
  - {from: 15, to: 30, hours: 0.5}
closing_test_bonus: 0.5
cap_per_year: 60
"""


@pytest.mark.parametrize(
    ("rule", "minutes", "quiz", "passed", "earned", "hours", "kinds"),
    [
        # No rule loaded: the course's declared hours, as before the ledger.
        (None, 62, True, True, 0, 6.5, ["declared"]),
        (BANDS, 0, False, False, 0, 0.25, ["band"]),
        (BANDS, 14, False, False, 0, 0.25, ["band"]),
        (BANDS, 15, False, False, 0, 0.5, ["band"]),
        (BANDS, 29, False, False, 0, 0.5, ["band"]),
        (BANDS, 30, False, False, 0, 1.0, ["band"]),
        (BANDS, 62, False, False, 0, 1.0, ["band"]),
        (BANDS, 62, True, True, 0, 1.5, ["band", "closing_test"]),
        # A course without a closing test, or a test not passed, earns no bonus.
        (BANDS, 62, True, False, 0, 1.0, ["band"]),
        (BANDS, 62, False, True, 0, 1.0, ["band"]),
        (CAPPED, 62, True, True, 0, 1.2, ["band", "closing_test", "course_cap"]),
        (CAPPED, 20, True, True, 0, 1.0, ["band", "closing_test"]),
        (CAPPED, 62, True, True, 2.5, 0.5, ["band", "closing_test", "course_cap", "year_cap"]),
        (CAPPED, 62, False, False, 3, 0.0, ["band", "year_cap"]),
        (CAPPED, 62, False, False, 4, 0.0, ["band", "year_cap"]),
        (DECLARED_CAPPED, 62, True, True, 0, 2.0, ["declared", "course_cap"]),
    ],
)
def test_an_award_follows_the_rule(rule, minutes, quiz, passed, earned, hours, kinds):
    award = compute_award(
        rule,
        CourseFacts(declared_hours=6.5, minutes=minutes, has_closing_test=quiz),
        passed_closing_test=passed,
        earned_this_year=earned,
    )
    assert award.hours == hours
    assert [part["kind"] for part in award.parts] == kinds


def test_the_explanation_parts_carry_the_numbers_they_explain():
    award = compute_award(
        CAPPED,
        CourseFacts(6.5, 62, True),
        passed_closing_test=True,
        earned_this_year=2.5,
    )
    assert award.parts == [
        {"kind": "band", "minutes": 62, "from": 30, "to": None, "hours": 1.0},
        {"kind": "closing_test", "bonus": 0.5},
        {"kind": "course_cap", "cap": 1.2},
        {"kind": "year_cap", "cap": 3.0, "earned": 2.5, "hours": 0.5},
    ]


def test_a_rule_file_is_read_with_its_bands_in_order(app):
    with app.app_context():
        spec = check_rule_text(RULE_FILE)
    assert spec == RuleSpec(2027, "bands", PROVINCE_BANDS, 0.5, None, 60.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("year: 2027\nmethod: bands\nbands:\n  - {from: 0, to: 20, hours: 1}\n"
         "  - {from: 15, hours: 2}\n", "The band from 15 minutes overlaps the band before it."),
        ("year: 2027\nmethod: bands\nbands:\n  - {from: 0, to: 15, hours: 1}\n"
         "  - {from: 20, hours: 2}\n", "No band covers 15 to 20 minutes."),
        ("year: 2027\nmethod: bands\nbands:\n  - {from: 5, hours: 1}\n",
         "No band covers 0 to 5 minutes."),
        ("year: 2027\nmethod: bands\nbands:\n  - {from: 0, to: 15, hours: 1}\n",
         "No band covers 15 minutes or more"),
        ("year: 2027\nmethod: bands\nbands:\n  - {from: 0, hours: 1}\n  - {from: 30, hours: 2}\n",
         "The band from 30 minutes overlaps the band before it."),
        ("year: 2027\nmethod: bands\nbands:\n  - {from: 0, hours: -1}\n",
         "Band 1: hours must be a number from 0 to 1000."),
        ("year: 2027\nmethod: declared\ncap_per_year: -5\n",
         "cap_per_year must be a number of hours above 0"),
        ("year: 2027\nmethod: bands\nbands:\n  - {from: 0, hours: 1}\nclosing_test_bonus: -0.5\n",
         "closing_test_bonus must be a number of hours from 0 to 1000."),
        ("year: 2027\nmethod: minutes\n", "method must be declared or bands."),
        ("year: 2027\nmethod: declared\nbands:\n  - {from: 0, hours: 1}\n",
         "bands applies to method: bands only."),
        ("method: declared\n", "year must be the year the rule takes effect"),
        ("year: 2027\nmethod: declared\ncap: 3\n", "Unknown key cap"),
        # YAML notices the unclosed bracket where the file ends.
        ("year: 2027\nmethod: [declared\n", "Line 3: this is not valid YAML."),
        ("- year: 2027\n", "The file must hold the keys"),
        ("year: 2027\nmethod: bands\n", "bands must be a list"),
    ],
)
def test_a_wrong_rule_file_is_refused_with_a_clear_error(app, text, message):
    with app.app_context(), pytest.raises(RuleFileError) as refused:
        check_rule_text(text)
    assert any(problem.startswith(message) for problem in refused.value.problems), (
        refused.value.problems
    )


def test_a_wrong_rule_file_writes_nothing(app, runner, session, tmp_path):
    path = tmp_path / "rule.yaml"
    path.write_text("year: 2027\nmethod: bands\nbands:\n  - {from: 5, hours: 1}\n")
    result = runner.invoke(args=["credits", "rules", "load", str(path)])
    assert result.exit_code == 1
    assert f"{path}: error: No band covers 0 to 5 minutes." in result.output
    assert session.scalar(select(func.count(CreditRule.id))) == 0


def test_a_year_with_a_different_rule_needs_replace(app, runner, session, tmp_path):
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(RULE_FILE)
    second.write_text(RULE_FILE.replace("cap_per_year: 60", "cap_per_year: 40"))
    assert runner.invoke(args=["credits", "rules", "load", str(first)]).exit_code == 0
    # The same file again changes nothing.
    again = runner.invoke(args=["credits", "rules", "load", str(first)])
    assert "Unchanged" in again.output
    refused = runner.invoke(args=["credits", "rules", "load", str(second)])
    assert refused.exit_code == 1
    assert "2027 already has a different rule (version 1)" in refused.output
    assert session.scalar(select(func.count(CreditRule.id))) == 1
    replaced = runner.invoke(args=["credits", "rules", "load", str(second), "--replace"])
    assert replaced.exit_code == 0, replaced.output
    rules = session.scalars(select(CreditRule).order_by(CreditRule.version)).all()
    assert [(r.year, r.version, r.cap_per_year) for r in rules] == [(2027, 1, 60), (2027, 2, 40)]
    assert rules[1].source_text == second.read_text()
    loaded = session.scalars(
        select(AuditEvent.subject).where(AuditEvent.action == "credit_rule_loaded")
    ).all()
    assert loaded == ["2027 v1", "2027 v2"]
    shown = runner.invoke(args=["credits", "rules", "show"])
    assert "2027 v2: bands; 0-15 min: 0.25 h; 15-30 min: 0.5 h; 30+ min: 1 h" in shown.output


def test_the_rule_in_force_is_the_latest_year_not_after_the_one_asked(app, session):
    with app.app_context():
        for text in (
            "year: 2026\nmethod: declared\ncap_per_course: 4\n",
            RULE_FILE,
            RULE_FILE.replace("cap_per_year: 60", "cap_per_year: 40"),
        ):
            store.load_rule(session, text, actor=None, replace=True)
        assert store.rule_in_force(session, 2025) is None
        in_2026, in_2027 = store.rule_in_force(session, 2026), store.rule_in_force(session, 2027)
        assert (in_2026.year, in_2026.version) == (2026, 1)
        assert (in_2027.year, in_2027.version) == (2027, 2)
        # A rule stays in force in later years until one is loaded for them.
        assert store.rule_in_force(session, 2030).cap_per_year == 40


def test_the_rules_page_loads_a_rule_and_shows_it_in_force(client, session):
    from tests import factories
    from tests.conftest import Auth, csrf_from

    boss = factories.user(session, "boss", roles={"admin"})
    Auth(client).login("boss")
    page = client.get("/admin/credit-rules").text
    assert "No rule is loaded" in page
    wrong = client.post(
        "/admin/credit-rules",
        data={"csrf_token": csrf_from(page), "text": "year: 2020\nmethod: bands\nbands: []\n"},
    )
    assert wrong.status_code == 422
    assert "bands must be a list" in wrong.text and "Nothing has been written" in wrong.text
    assert session.scalar(select(func.count(CreditRule.id))) == 0
    text = RULE_FILE.replace("year: 2027", "year: 2020")
    done = client.post("/admin/credit-rules", data={"csrf_token": csrf_from(page), "text": text})
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).text
    assert "Rule of 2020, version 1, loaded." in page
    assert "the rule of 2020, version 1." in page and "30 min or more: 1 h" in page
    assert session.scalar(select(CreditRule.loaded_by_id)) == boss.id


def test_every_problem_of_a_rule_file_is_listed_at_once(app):
    text = "method: bands\nbands:\n  - {from: 0, to: 10, hours: 1}\n  - {from: 20, hours: 2}\n"
    with app.app_context(), pytest.raises(RuleFileError) as refused:
        check_rule_text(text)
    assert refused.value.problems == [
        "year must be the year the rule takes effect, e.g. 2027.",
        "No band covers 10 to 20 minutes.",
    ]
