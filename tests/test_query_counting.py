"""The `count_queries` fixture counts what its block runs, and only that, so N+1 tests can fail."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import Unit, User


def test_count_queries_counts_each_statement_but_not_transaction_control(
    session, count_queries
):
    with count_queries() as queries:
        session.scalar(select(func.count(User.id)))
        session.scalar(select(func.count(Unit.id)))
        session.commit()
    assert queries.count == 2
    assert all(s.lstrip().upper().startswith("SELECT") for s in queries.statements)


def test_count_queries_counts_a_requests_statements_inside_the_block_only(
    client, auth, make_user, session, count_queries
):
    make_user("ann")
    with count_queries() as queries:
        assert auth.login("ann").status_code == 302
    counted = queries.count
    assert any("FROM users" in s for s in queries.statements), queries.statements
    client.get("/")
    session.scalar(select(func.count(User.id)))
    assert queries.count == counted
