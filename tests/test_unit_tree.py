"""The subtree filter: exactly the unit and everything below it, and an index search."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, aliased

from app.assignments.services import assign
from app.imports.units import import_units, plan_units
from app.models import Course, Unit, UnitCourse
from app.organisation.tree import in_subtree

# Ids chosen so that siblings share leading digits (5, 50, 51, 500) and roots do too (1, 10, 11).
PATHS = [
    "/1/",
    "/1/4/",
    "/1/5/",
    "/1/5/23/",
    "/1/5/23/7/",
    "/1/50/",
    "/1/50/8/",
    "/1/51/",
    "/1/500/",
    "/1/6/",
    "/10/",
    "/10/9/",
    "/11/",
    "/2/",
]

COURSE = (
    "---\nid: c1\ntitle: Course c1\nsummary: S.\nlanguage: en\ncredit_hours: 1\n"
    "status: published\n---\nOverview.\n"
)
LESSON = "---\ntitle: L\nminutes: 5\n---\nText.\n"


@pytest.fixture
def tree(session: Session) -> Session:
    """The units of PATHS, each with the id its path ends in, committed."""
    for path in PATHS:
        ids = [int(part) for part in path.strip("/").split("/")]
        parent_id = ids[-2] if len(ids) > 1 else None
        session.add(
            Unit(
                id=ids[-1],
                code=f"U{ids[-1]}",
                name=f"Unit {ids[-1]}",
                parent_id=parent_id,
                path=path,
                depth=len(ids) - 1,
            )
        )
        session.flush()  # parents before children, for the foreign key
    session.commit()
    return session


def _ids_in(session: Session, prefix: str) -> set[int]:
    return set(session.scalars(select(Unit.id).where(in_subtree(Unit.path, prefix))))


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("/1/5/", {5, 23, 7}),
        ("/1/5/23/", {23, 7}),
        ("/1/5/23/7/", {7}),
        ("/1/50/", {50, 8}),
        ("/1/51/", {51}),
        ("/1/500/", {500}),
    ],
)
def test_a_subtree_is_the_unit_and_all_below_it_without_siblings_sharing_its_digits(
    tree, prefix, expected
):
    assert _ids_in(tree, prefix) == expected


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("/1/", {1, 4, 5, 23, 7, 50, 8, 51, 500, 6}),
        ("/10/", {10, 9}),
        ("/11/", {11}),
        ("/2/", {2}),
    ],
)
def test_a_roots_subtree_is_its_whole_tree_and_no_root_with_a_longer_id(tree, prefix, expected):
    assert _ids_in(tree, prefix) == expected


def test_a_path_column_as_prefix_gives_every_units_subtree_in_one_join(tree):
    source, target = aliased(Unit), aliased(Unit)
    pairs = set(
        tree.execute(
            select(source.path, target.path).join(target, in_subtree(target.path, source.path))
        ).all()
    )
    assert pairs == {(a, b) for a in PATHS for b in PATHS if b.startswith(a)}


def _plan(session: Session, statement) -> str:  # noqa: ANN001
    """The database's plan for `statement`, as one string."""
    sql = str(
        statement.compile(dialect=session.bind.dialect, compile_kwargs={"literal_binds": True})
    )
    if session.bind.dialect.name == "postgresql":
        # A dozen rows are cheaper to read in full; this asks whether the index *can* serve.
        session.execute(text("SET LOCAL enable_seqscan = off"))
        rows = session.execute(text(f"EXPLAIN {sql}")).scalars()
    else:
        rows = (row.detail for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    return "\n".join(rows)


def test_a_subtree_of_a_known_path_is_searched_on_the_path_index(tree):
    plan = _plan(tree, select(Unit.id).where(in_subtree(Unit.path, "/1/5/")))
    tree.rollback()
    assert "ix_units_path" in plan, plan
    assert "SCAN units" not in plan and "Seq Scan" not in plan, plan


def test_a_subtree_of_a_joined_units_path_is_searched_on_the_path_index(tree):
    source, target = aliased(Unit, name="source"), aliased(Unit, name="target")
    statement = (
        select(target.id)
        .select_from(source)
        .join(target, in_subtree(target.path, source.path))
        .where(source.id == 5)
    )
    plan = _plan(tree, statement)
    tree.rollback()
    assert "ix_units_path" in plan, plan
    assert "SCAN target" not in plan and "Seq Scan" not in plan, plan


def test_assigning_to_a_unit_changes_its_subtree_and_not_a_sibling_sharing_its_digits(
    tree, sync_course
):
    sync_course({"course.md": COURSE, "01-m/01-l.md": LESSON})
    course = tree.scalar(select(Course).where(Course.slug == "c1"))
    assign(tree, tree.get(Unit, 1), course, due_date=date(2027, 1, 31))
    assign(tree, tree.get(Unit, 5), course, due_date=date(2027, 6, 30))
    tree.commit()
    due = dict(tree.execute(select(UnitCourse.unit_id, UnitCourse.due_date)).all())
    from_5 = dict.fromkeys([5, 23, 7], date(2027, 6, 30))
    from_1 = dict.fromkeys([1, 4, 50, 8, 51, 500, 6], date(2027, 1, 31))
    assert due == from_5 | from_1


def test_moving_a_unit_rewrites_its_subtree_and_not_a_sibling_sharing_its_digits(tree):
    plan = plan_units(tree, b"code,name,parent_code\nU5,Unit 5,U6\n")
    import_units(tree, plan, actor_id=None, source="test")
    tree.commit()
    paths = set(tree.scalars(select(Unit.path)))
    assert paths == {
        "/1/", "/1/4/", "/1/6/", "/1/6/5/", "/1/6/5/23/", "/1/6/5/23/7/", "/1/50/", "/1/50/8/",
        "/1/51/", "/1/500/", "/10/", "/10/9/", "/11/", "/2/",
    }  # fmt: skip
