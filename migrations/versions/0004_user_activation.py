"""user activation: a hashed one-time activation code and its expiry on users

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 13:30:57.849555
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('activation_code_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('activation_expires_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('activation_expires_at')
        batch_op.drop_column('activation_code_hash')
