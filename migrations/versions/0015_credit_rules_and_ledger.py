"""credit rules, the credit ledger and user categories

Completions made before this migration get their ledger entries here, with the hours they were
awarded then (the course's declared hours) and the local year of their completion, so no total
changes when the pages start summing the ledger. `flask --app app credits backfill` does the
same later for enrollments written around the app (e.g. `demo generate`).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 06:14:02
"""

import os
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op


revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('credit_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('bands', sa.JSON(), nullable=False),
    sa.Column('closing_test_bonus', sa.Float(), nullable=False),
    sa.Column('cap_per_course', sa.Float(), nullable=True),
    sa.Column('cap_per_year', sa.Float(), nullable=True),
    sa.Column('source_text', sa.Text(), nullable=False),
    sa.Column('loaded_by_id', sa.Integer(), nullable=True),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("method IN ('declared', 'bands')", name=op.f('ck_credit_rules_method_known')),
    sa.CheckConstraint('cap_per_course IS NULL OR cap_per_course >= 0', name=op.f('ck_credit_rules_course_cap_range')),
    sa.CheckConstraint('cap_per_year IS NULL OR cap_per_year >= 0', name=op.f('ck_credit_rules_year_cap_range')),
    sa.CheckConstraint('closing_test_bonus >= 0', name=op.f('ck_credit_rules_bonus_non_negative')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_credit_rules_version_positive')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_credit_rules_year_range')),
    sa.ForeignKeyConstraint(['loaded_by_id'], ['users.id'], name=op.f('fk_credit_rules_loaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_rules')),
    sa.UniqueConstraint('year', 'version', name=op.f('uq_credit_rules_year_version'))
    )
    op.create_table('credit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=True),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('course_version', sa.Integer(), nullable=True),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('awarded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(source = 'course_completion') = (enrollment_id IS NOT NULL)", name=op.f('ck_credit_entries_completion_has_enrollment')),
    sa.CheckConstraint("source <> 'manual_adjustment' OR (reason IS NOT NULL AND hours <> 0)", name=op.f('ck_credit_entries_adjustment_has_reason')),
    sa.CheckConstraint("source = 'manual_adjustment' OR hours >= 0", name=op.f('ck_credit_entries_only_adjustments_deduct')),
    sa.CheckConstraint("source IN ('course_completion', 'offline_training', 'manual_adjustment')", name=op.f('ck_credit_entries_source_known')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_credit_entries_year_range')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_credit_entries_course_id_courses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_credit_entries_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_credit_entries_enrollment_id_enrollments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rule_id'], ['credit_rules.id'], name=op.f('fk_credit_entries_rule_id_credit_rules')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_credit_entries_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_entries')),
    sa.UniqueConstraint('enrollment_id', name=op.f('uq_credit_entries_enrollment_id'))
    )
    with op.batch_alter_table('credit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_credit_entries_awarded_at', ['awarded_at'], unique=False)
        batch_op.create_index('ix_credit_entries_user_id_year', ['user_id', 'year'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category', sa.String(length=32), nullable=True))

    _backfill_completions()


def _backfill_completions() -> None:
    """One entry per completed enrollment, as `app.credits.ledger.backfill_completions`."""
    enrollments = sa.table(
        'enrollments',
        sa.column('id', sa.Integer), sa.column('user_id', sa.Integer),
        sa.column('course_id', sa.Integer), sa.column('status', sa.String),
        sa.column('completed_version', sa.Integer), sa.column('credit_hours_awarded', sa.Float),
        sa.column('completed_at', sa.DateTime(timezone=True)),
    )
    entries = sa.table(
        'credit_entries',
        sa.column('user_id', sa.Integer), sa.column('year', sa.Integer),
        sa.column('hours', sa.Float), sa.column('source', sa.String),
        sa.column('enrollment_id', sa.Integer), sa.column('course_id', sa.Integer),
        sa.column('course_version', sa.Integer), sa.column('explanation', sa.JSON),
        sa.column('awarded_at', sa.DateTime(timezone=True)),
    )
    zone = ZoneInfo(os.environ.get('TIMEZONE', 'Asia/Shanghai'))
    bind = op.get_bind()
    rows = []
    for row in bind.execute(
        sa.select(enrollments).where(enrollments.c.status == 'completed')
    ).mappings():
        completed_at = row['completed_at']
        if completed_at.tzinfo is None:  # SQLite returns the stored UTC time without a zone
            completed_at = completed_at.replace(tzinfo=ZoneInfo('UTC'))
        hours = row['credit_hours_awarded']
        rows.append({
            'user_id': row['user_id'], 'year': completed_at.astimezone(zone).year,
            'hours': hours, 'source': 'course_completion', 'enrollment_id': row['id'],
            'course_id': row['course_id'], 'course_version': row['completed_version'],
            'explanation': [{'kind': 'declared', 'hours': hours}, {'kind': 'backfilled'}],
            'awarded_at': completed_at.astimezone(ZoneInfo('UTC')),
        })
    for start in range(0, len(rows), 1000):
        bind.execute(sa.insert(entries), rows[start:start + 1000])


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('category')

    with op.batch_alter_table('credit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_entries_user_id_year')
        batch_op.drop_index('ix_credit_entries_awarded_at')

    op.drop_table('credit_entries')
    op.drop_table('credit_rules')
