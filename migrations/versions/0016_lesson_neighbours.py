"""previous and next lesson stored on each lesson

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

lessons = sa.table(
    'lessons',
    sa.column('id', sa.Integer),
    sa.column('course_id', sa.Integer),
    sa.column('position', sa.Integer),
    sa.column('archived', sa.Boolean),
    sa.column('previous_lesson_id', sa.Integer),
    sa.column('next_lesson_id', sa.Integer),
)


def _neighbour(before: bool) -> sa.ScalarSelect:
    """The visible lesson of the same course just before (or after) the row being updated."""
    other = lessons.alias('other')
    order = other.c.position.desc() if before else other.c.position
    beyond = (
        other.c.position < lessons.c.position if before else other.c.position > lessons.c.position
    )
    return (
        sa.select(other.c.id)
        .where(other.c.course_id == lessons.c.course_id, other.c.archived.is_(False), beyond)
        .order_by(order)
        .limit(1)
        .scalar_subquery()
    )


NEIGHBOURS = ('previous_lesson_id', 'next_lesson_id')


def upgrade() -> None:
    # Batch mode re-creates the table on SQLite: app.migrations turns foreign keys off while
    # it runs, or dropping the old table would delete the rows referring to its lessons.
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        for column in NEIGHBOURS:
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                op.f(f'fk_lessons_{column}_lessons'), 'lessons', [column], ['id'],
                ondelete='SET NULL',
            )
    # Courses already imported get their links now: a re-sync of an unchanged course writes
    # nothing, so it would never fill them in.
    op.execute(
        lessons.update()
        .where(lessons.c.archived.is_(False))
        .values(previous_lesson_id=_neighbour(before=True), next_lesson_id=_neighbour(before=False))
    )


def downgrade() -> None:
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        for column in reversed(NEIGHBOURS):
            batch_op.drop_constraint(op.f(f'fk_lessons_{column}_lessons'), type_='foreignkey')
            batch_op.drop_column(column)
