"""`units import` and `users import`: encodings, row-numbered errors, all-or-nothing, upserts."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from app.auth.codes import hash_code
from app.models import AuditEvent, Unit, User
from tests import factories


def _write(tmp_path, text: str, encoding: str = "utf-8", name: str = "file.csv"):  # noqa: ANN001, ANN202
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _units(session) -> dict[str, Unit]:  # noqa: ANN001
    return {unit.code: unit for unit in session.scalars(select(Unit))}


def _users(session) -> dict[str, User]:  # noqa: ANN001
    return {user.username: user for user in session.scalars(select(User)).unique()}


UNITS = "code,name,parent_code\nCITY,City,PROV\nPROV,省政府,\nCOUNTY,County,CITY\n"


# --- units --------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_units_import_reads_utf8_with_or_without_bom_and_gb18030(
    runner, session, tmp_path, encoding
):
    path = _write(tmp_path, UNITS.replace("City", "甲市"), encoding)
    result = runner.invoke(args=["units", "import", str(path)])
    assert result.exit_code == 0, result.output
    units = _units(session)
    assert units["PROV"].name == "省政府"
    assert units["CITY"].name == "甲市"


def test_units_import_builds_paths_with_parents_after_children(runner, session, tmp_path):
    result = runner.invoke(args=["units", "import", str(_write(tmp_path, UNITS))])
    assert "3 created, 0 updated, 0 unchanged" in result.output
    units = _units(session)
    prov, city, county = units["PROV"], units["CITY"], units["COUNTY"]
    assert county.path == f"/{prov.id}/{city.id}/{county.id}/"
    assert (prov.depth, city.depth, county.depth) == (0, 1, 2)
    assert county.parent_id == city.id


def test_units_import_reports_every_error_with_its_row(runner, session, tmp_path):
    factories.unit(session, "OLD")
    text = (
        "code,name,parent_code\n"
        "A,Unit A,\n"  # row 2: fine
        ",No code,\n"  # row 3
        "B,,\n"  # row 4
        "A,Again,\n"  # row 5: duplicate
        "C,Unit C,NOWHERE\n"  # row 6: unknown parent
        "D,Unit D,D\n"  # row 7: own parent
        "E,Unit E,F\n"  # row 8: cycle E -> F -> E
        "F,Unit F,E\n"  # row 9
    )
    path = _write(tmp_path, text)
    result = runner.invoke(args=["units", "import", str(path)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith(str(path))]
    rows = [int(line.split(":")[1]) for line in lines]
    assert rows == [3, 4, 5, 6, 7, 8, 9]
    assert "code is empty" in lines[0]
    assert "name is empty" in lines[1]
    assert "already in row 2" in lines[2]
    assert "NOWHERE" in lines[3]
    assert "its own parent" in lines[4]
    assert "inside itself" in lines[5] and "inside itself" in lines[6]
    assert set(_units(session)) == {"OLD"}  # all or nothing


def test_units_import_finds_a_cycle_made_with_existing_units(runner, session, tmp_path):
    top = factories.unit(session, "TOP")
    factories.unit(session, "LOW", parent=top)
    path = _write(tmp_path, "code,name,parent_code\nTOP,Top,LOW\n")
    result = runner.invoke(args=["units", "import", str(path)])
    assert result.exit_code == 1
    assert f"{path}:2: The unit TOP would be inside itself: TOP → LOW → TOP." in result.output


def test_units_dry_run_writes_nothing(runner, session, tmp_path):
    result = runner.invoke(args=["units", "import", str(_write(tmp_path, UNITS)), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "3 to create" in result.output
    assert _units(session) == {}


def test_units_import_upserts_by_code(runner, session, tmp_path):
    runner.invoke(args=["units", "import", str(_write(tmp_path, UNITS))])
    text = UNITS.replace("County", "County renamed") + "TOWN,Town,COUNTY\n"
    result = runner.invoke(args=["units", "import", str(_write(tmp_path, text, name="b.csv"))])
    assert "1 created, 1 updated, 2 unchanged" in result.output
    units = _units(session)
    assert units["COUNTY"].name == "County renamed"
    assert len(units) == 4
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "units_imported"))
    assert [e.details["created"] for e in events] == [3, 1]


def test_moving_a_unit_rewrites_the_paths_of_its_whole_subtree(runner, session, tmp_path):
    prov = factories.unit(session, "PROV")
    city_a = factories.unit(session, "CITY-A", parent=prov)
    city_b = factories.unit(session, "CITY-B", parent=prov)
    county = factories.unit(session, "COUNTY", parent=city_a)
    town = factories.unit(session, "TOWN", parent=county)
    ids = {u.code: u.id for u in (prov, city_a, city_b, county, town)}
    path = _write(tmp_path, "code,name,parent_code\nCOUNTY,County,CITY-B\n")
    result = runner.invoke(args=["units", "import", str(path)])
    assert "0 created, 1 updated" in result.output
    units = _units(session)
    assert units["COUNTY"].path == f"/{ids['PROV']}/{ids['CITY-B']}/{ids['COUNTY']}/"
    assert units["TOWN"].path == f"/{ids['PROV']}/{ids['CITY-B']}/{ids['COUNTY']}/{ids['TOWN']}/"
    assert (units["COUNTY"].depth, units["TOWN"].depth) == (2, 3)
    assert units["CITY-A"].path == f"/{ids['PROV']}/{ids['CITY-A']}/"


def test_swapping_parent_and_child_in_one_file_keeps_paths_consistent(runner, session, tmp_path):
    top = factories.unit(session, "A")
    low = factories.unit(session, "B", parent=top)
    factories.unit(session, "LEAF", parent=low)
    text = "code,name,parent_code\nA,A,B\nB,B,\nNEW,New,A\n"
    result = runner.invoke(args=["units", "import", str(_write(tmp_path, text))])
    assert result.exit_code == 0, result.output
    units = _units(session)
    for unit in units.values():
        parent = units_by_id(units).get(unit.parent_id)
        expected = (parent.path if parent else "/") + f"{unit.id}/"
        assert unit.path == expected, unit.code
        assert unit.depth == expected.count("/") - 2


def units_by_id(units: dict[str, Unit]) -> dict[int, Unit]:
    """The same units keyed by id."""
    return {unit.id: unit for unit in units.values()}


def test_units_import_refuses_a_wrong_header(runner, tmp_path):
    result = runner.invoke(args=["units", "import", str(_write(tmp_path, "code,title\nA,B\n"))])
    assert result.exit_code == 1
    assert ":1: " in result.output and "parent_code" in result.output


# --- users --------------------------------------------------------------------------------

USERS = (
    "username,full_name,email,unit_code,roles\n"
    "Wang.Fang,王芳,wang@example.gov.cn,CITY,\n"
    "li,李明,,CITY,learner;hr\n"
)


@pytest.fixture
def city(session):  # noqa: ANN001, ANN201
    unit = factories.unit(session, "CITY")
    factories.unit(session, "TOWN", parent=unit)
    return unit


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_users_import_reads_every_encoding_and_writes_codes(
    app, runner, session, tmp_path, city, encoding
):
    codes_file = tmp_path / "codes.csv"
    path = _write(tmp_path, USERS, encoding)
    result = runner.invoke(args=["users", "import", str(path), "--codes-out", str(codes_file)])
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated, 0 unchanged" in result.output
    users = _users(session)
    assert users["wang.fang"].full_name == "王芳"
    assert users["wang.fang"].role_names == {"learner"}
    assert users["li"].role_names == {"learner", "hr"}
    hr_role = next(r for r in users["li"].roles if r.role == "hr")
    assert hr_role.scope_unit_id == city.id
    assert users["li"].password_hash is None

    raw = codes_file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == ["username", "full_name", "unit_code", "activation_code", "expires_at"]
    assert [(r["username"], r["full_name"], r["unit_code"]) for r in rows] == [
        ("wang.fang", "王芳", "CITY"),
        ("li", "李明", "CITY"),
    ]
    code = rows[0]["activation_code"]
    assert len(code) == 12 and code[4] == code[9] == "-"
    assert users["wang.fang"].activation_code_hash == hash_code(code, app.config["SECRET_KEY"])
    assert code not in users["wang.fang"].activation_code_hash
    assert users["wang.fang"].activation_expires_at is not None


def test_users_import_prints_the_codes_without_codes_out(runner, tmp_path, city):
    result = runner.invoke(args=["users", "import", str(_write(tmp_path, USERS))])
    assert result.exit_code == 0, result.output
    assert "username,full_name,unit_code,activation_code,expires_at" in result.output
    assert "wang.fang,王芳,CITY," in result.output


def test_users_import_reports_every_error_with_its_row(runner, session, tmp_path, city):
    text = (
        "username,full_name,email,unit_code,roles\n"
        "ok,Okay,,CITY,\n"  # 2 fine
        ",No name,,CITY,\n"  # 3 empty username
        "bob,,,CITY,\n"  # 4 empty full name
        "carl,Carl,not-an-email,CITY,\n"  # 5 bad email
        "dora,Dora,,NOPE,\n"  # 6 unknown unit
        "ed,Ed,,CITY,learner;boss\n"  # 7 bad role
        "OK,Okay again,,CITY,\n"  # 8 duplicate (after normalising)
        "fay,Fay,,,\n"  # 9 empty unit code
    )
    path = _write(tmp_path, text)
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith(f"{path}:")]
    assert [int(line.split(":")[1]) for line in lines] == [3, 4, 5, 6, 7, 8, 9]
    for line, words in zip(
        lines,
        ["username is empty", "full name is empty", "not-an-email", "NOPE", "boss",
         "already in row 2", "unit code is empty"],
        strict=True,
    ):
        assert words in line
    assert _users(session) == {}


def test_users_dry_run_writes_nothing(runner, session, tmp_path, city):
    result = runner.invoke(args=["users", "import", str(_write(tmp_path, USERS)), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "2 to create" in result.output
    assert _users(session) == {}


def test_users_import_updates_existing_users_but_never_their_password(
    runner, session, tmp_path, city, make_user
):
    make_user("li", full_name="Old Name")
    before = _users(session)["li"].password_hash
    result = runner.invoke(args=["users", "import", str(_write(tmp_path, USERS))])
    assert "1 created, 1 updated, 0 unchanged; 1 activation code" in result.output
    li = _users(session)["li"]
    assert li.full_name == "李明"
    assert li.unit_id == city.id
    assert li.role_names == {"learner", "hr"}
    assert li.password_hash == before
    assert li.activation_code_hash is None
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "users_imported"))
    assert event.details["created"] == ["wang.fang"]
    assert event.details["updated"] == ["li"]
    assert event.details["roles_changed"] == [
        {"username": "li", "before": ["learner"], "after": ["hr", "learner"]}
    ]


def test_reimport_keeps_codes_unless_new_codes_is_asked(runner, session, tmp_path, city):
    path = _write(tmp_path, USERS)
    runner.invoke(args=["users", "import", str(path)])
    first = _users(session)["li"].activation_code_hash
    again = runner.invoke(args=["users", "import", str(path)])
    assert "0 created, 0 updated, 2 unchanged; 0 activation code" in again.output
    assert _users(session)["li"].activation_code_hash == first
    renewed = runner.invoke(args=["users", "import", str(path), "--new-codes"])
    assert "2 activation code" in renewed.output
    assert _users(session)["li"].activation_code_hash != first


def test_users_import_moves_hr_scope_with_the_unit(runner, session, tmp_path, city):
    runner.invoke(args=["users", "import", str(_write(tmp_path, USERS))])
    moved = USERS.replace("li,李明,,CITY", "li,李明,,TOWN")
    runner.invoke(args=["users", "import", str(_write(tmp_path, moved, name="m.csv"))])
    li = _users(session)["li"]
    town = _units(session)["TOWN"]
    assert li.unit_id == town.id
    assert next(r for r in li.roles if r.role == "hr").scope_unit_id == town.id


def test_codes_file_neutralises_formulas(runner, tmp_path, city):
    text = "username,full_name,email,unit_code,roles\nx,=HYPERLINK(1),,CITY,\n"
    codes_file = tmp_path / "codes.csv"
    path = _write(tmp_path, text)
    runner.invoke(args=["users", "import", str(path), "--codes-out", str(codes_file)])
    assert ",'=HYPERLINK(1)," in codes_file.read_text(encoding="utf-8-sig")
