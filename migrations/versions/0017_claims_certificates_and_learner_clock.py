"""offline training claims, certificates and the learner clock

Completions made before this migration have no certificate; one is issued the first time the
learner (or anyone entitled) asks for it, with the completion's own date and hours.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 13:23:50
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('learner_clocks',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=True),
    sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_learner_clocks_lesson_id_lessons'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_learner_clocks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_learner_clocks'))
    )
    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=True),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('entry_count', sa.Integer(), nullable=True),
    sa.Column('learner_name', sa.String(length=200), nullable=False),
    sa.Column('unit_name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=500), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(kind = 'transcript') = (year IS NOT NULL)", name=op.f('ck_certificates_transcript_has_year')),
    sa.CheckConstraint("kind = 'course' OR enrollment_id IS NULL", name=op.f('ck_certificates_only_courses_have_enrollment')),
    sa.CheckConstraint("kind IN ('course', 'transcript')", name=op.f('ck_certificates_kind_known')),
    sa.CheckConstraint('(revoked_at IS NULL) = (revoked_reason IS NULL)', name=op.f('ck_certificates_revocation_has_reason')),
    sa.CheckConstraint('hours >= 0', name=op.f('ck_certificates_hours_non_negative')),
    sa.CheckConstraint('length(code) >= 16', name=op.f('ck_certificates_code_long_enough')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_certificates_course_id_courses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_certificates_enrollment_id_enrollments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_certificates_revoked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_certificates_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('code', name=op.f('uq_certificates_code')),
    sa.UniqueConstraint('enrollment_id', name=op.f('uq_certificates_enrollment_id'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index('ix_certificates_user_id_kind_year', ['user_id', 'kind', 'year'], unique=False)

    op.create_table('training_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('organiser', sa.String(length=200), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=False),
    sa.Column('hours_claimed', sa.Float(), nullable=False),
    sa.Column('evidence_name', sa.String(length=255), nullable=False),
    sa.Column('evidence_file', sa.String(length=64), nullable=False),
    sa.Column('evidence_type', sa.String(length=8), nullable=False),
    sa.Column('evidence_size', sa.Integer(), nullable=False),
    sa.Column('evidence_sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('hours_approved', sa.Float(), nullable=True),
    sa.Column('decision_reason', sa.String(length=500), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('credit_entry_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(status = 'approved') = (hours_approved IS NOT NULL)", name=op.f('ck_training_claims_approved_has_hours')),
    sa.CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name=op.f('ck_training_claims_decided_has_date')),
    sa.CheckConstraint("evidence_type IN ('pdf', 'png', 'jpeg')", name=op.f('ck_training_claims_evidence_type_known')),
    sa.CheckConstraint("status <> 'rejected' OR decision_reason IS NOT NULL", name=op.f('ck_training_claims_rejection_has_reason')),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name=op.f('ck_training_claims_status_known')),
    sa.CheckConstraint('ended_on >= started_on', name=op.f('ck_training_claims_dates_in_order')),
    sa.CheckConstraint('evidence_size > 0', name=op.f('ck_training_claims_evidence_not_empty')),
    sa.CheckConstraint('hours_approved IS NULL OR (hours_approved > 0 AND hours_approved <= hours_claimed)', name=op.f('ck_training_claims_approved_hours_range')),
    sa.CheckConstraint('hours_claimed > 0', name=op.f('ck_training_claims_hours_claimed_positive')),
    sa.ForeignKeyConstraint(['credit_entry_id'], ['credit_entries.id'], name=op.f('fk_training_claims_credit_entry_id_credit_entries'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_training_claims_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_claims_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_claims')),
    sa.UniqueConstraint('credit_entry_id', name=op.f('uq_training_claims_credit_entry_id')),
    sa.UniqueConstraint('evidence_file', name=op.f('uq_training_claims_evidence_file'))
    )
    with op.batch_alter_table('training_claims', schema=None) as batch_op:
        batch_op.create_index('ix_training_claims_status_created_at', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_claims_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('training_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_claims_user_id'))
        batch_op.drop_index('ix_training_claims_status_created_at')

    op.drop_table('training_claims')
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index('ix_certificates_user_id_kind_year')

    op.drop_table('certificates')
    op.drop_table('learner_clocks')
