"""course editors and revisions: the trainer studio's who-edits-what and staged/published files

Both tables are new and empty: existing courses have no editors until an administrator grants
them (or a trainer uploads a course id nobody has). A partial unique index keeps at most one
staged revision per course.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 06:08:00.243297
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('course_editors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_slug', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_course_editors_granted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_course_editors_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_editors')),
    sa.UniqueConstraint('course_slug', 'user_id', name=op.f('uq_course_editors_course_slug_user_id'))
    )
    with op.batch_alter_table('course_editors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_editors_user_id'), ['user_id'], unique=False)

    op.create_table('course_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_slug', sa.String(length=64), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('warning_count', sa.Integer(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(status = 'published') = (published_at IS NOT NULL)", name=op.f('ck_course_revisions_published_has_time')),
    sa.CheckConstraint("source IN ('upload', 'editor', 'git')", name=op.f('ck_course_revisions_source_known')),
    sa.CheckConstraint("status IN ('staged', 'published', 'discarded')", name=op.f('ck_course_revisions_status_known')),
    sa.CheckConstraint('error_count >= 0 AND warning_count >= 0', name=op.f('ck_course_revisions_counts_non_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_course_revisions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_course_revisions_published_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_revisions')),
    sa.UniqueConstraint('token', name=op.f('uq_course_revisions_token'))
    )
    with op.batch_alter_table('course_revisions', schema=None) as batch_op:
        batch_op.create_index('ix_course_revisions_course_slug_status', ['course_slug', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_revisions_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index('uq_course_revisions_one_staged', ['course_slug'], unique=True, sqlite_where=sa.text("status = 'staged'"), postgresql_where=sa.text("status = 'staged'"))


def downgrade() -> None:
    with op.batch_alter_table('course_revisions', schema=None) as batch_op:
        batch_op.drop_index('uq_course_revisions_one_staged', sqlite_where=sa.text("status = 'staged'"), postgresql_where=sa.text("status = 'staged'"))
        batch_op.drop_index(batch_op.f('ix_course_revisions_created_by_id'))
        batch_op.drop_index('ix_course_revisions_course_slug_status')

    op.drop_table('course_revisions')
    with op.batch_alter_table('course_editors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_editors_user_id'))

    op.drop_table('course_editors')