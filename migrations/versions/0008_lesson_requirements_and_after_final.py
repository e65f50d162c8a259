"""lesson requirements and show_answers after_final

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_CHECK = "show_answers IN ('after_submit', 'after_pass', 'never')"
NEW_CHECK = "show_answers IN ('after_submit', 'after_pass', 'after_final', 'never')"


def upgrade() -> None:
    # Existing lessons require nothing; the next sync writes what their files say.
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requires', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.drop_constraint(op.f('ck_lessons_show_answers_known'), type_='check')
        batch_op.create_check_constraint('show_answers_known', NEW_CHECK)
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.alter_column('requires', server_default=None)


def downgrade() -> None:
    # Lessons written with after_final fall back to the strictest earlier choice that still
    # lets a learner see answers once they pass.
    op.execute("UPDATE lessons SET show_answers = 'after_pass' WHERE show_answers = 'after_final'")
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_lessons_show_answers_known'), type_='check')
        batch_op.create_check_constraint('show_answers_known', OLD_CHECK)
        batch_op.drop_column('requires')
