"""collate unit paths bytewise

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:44:29.078192
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Subtree queries are ranges over units.path ('/1/5/' <= path < '/1/50'), which are right only
# in byte order. PostgreSQL gets the "C" collation on the column (changing it rebuilds
# ix_units_path in that order too); SQLite already compares text bytewise (BINARY), so there
# is nothing to do there.


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.alter_column('units', 'path',
               existing_type=sa.String(length=400),
               type_=sa.String(length=400, collation='C'),
               existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    # A type without COLLATE takes the database's default collation again.
    op.alter_column('units', 'path',
               existing_type=sa.String(length=400, collation='C'),
               type_=sa.String(length=400),
               existing_nullable=False)
