"""The migrations build exactly the schema the models describe, from an empty database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app import migrations
from app.db import Base, make_engine


def _differences(engine) -> list:  # noqa: ANN001
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_upgrade_from_empty_matches_the_models(database_url):
    engine = make_engine(database_url)
    try:
        migrations.downgrade(engine, "base")
        tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        migrations.upgrade(engine)
        assert _differences(engine) == []
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_columns_have_the_collations_the_models_give_them(database_url):
    # compare_metadata passes a collation the database lacks ("only one side specifies it"),
    # so a model collation without its migration would go unnoticed there.
    engine = make_engine(database_url)
    try:
        inspector = inspect(engine)
        wanted, found = {}, {}
        for table in Base.metadata.sorted_tables:
            reflected = {c["name"]: c["type"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                collation = getattr(column.type.dialect_impl(engine.dialect), "collation", None)
                if collation:
                    wanted[table.name, column.name] = collation
                    found[table.name, column.name] = getattr(
                        reflected[column.name], "collation", None
                    )
        assert found == wanted
        if engine.dialect.name == "postgresql":
            assert wanted[("units", "path")] == "C"
    finally:
        engine.dispose()
