"""unit report counters kept by triggers

`unit_counts` (learners and credit hours per unit) and `unit_course_counts` (in progress,
completed, best-score sum and count, credit hours per unit and course) are kept in step by
triggers on enrollments, credit entries and users, in the transaction of the change, whatever
writes it (a request, a sync's bulk UPDATE, an import, `demo generate`). The statements are the
same on SQLite and PostgreSQL; only the trigger wrappers differ (SQLite has trigger bodies,
PostgreSQL a function per trigger). The counters are filled from the existing rows here.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COURSE_COLUMNS = '(unit_id, course_id, in_progress, completed, score_sum, scored, hours)'
# The unit of a user who counts (active, in a unit), for row `R` (NEW or OLD).
UNIT_OF = '(SELECT unit_id FROM users WHERE id = {r}.user_id AND is_active AND unit_id IS NOT NULL)'


def _enrollment(r: str, sign: str) -> list[str]:
    """Add (sign +) or take away (sign -) enrollment row `r`'s share of its unit's counts."""
    done = f"{r}.status = 'completed'"
    scored = f'{done} AND {r}.best_score IS NOT NULL'
    statements = []
    if sign == '+':
        statements.append(
            f'INSERT INTO unit_course_counts {COURSE_COLUMNS} SELECT u.unit_id, {r}.course_id,'
            f' 0, 0, 0, 0, 0 FROM users u WHERE u.id = {r}.user_id AND u.is_active'
            ' AND u.unit_id IS NOT NULL ON CONFLICT DO NOTHING'
        )
    statements.append(
        'UPDATE unit_course_counts SET'
        f" in_progress = in_progress {sign} CASE WHEN {r}.status = 'in_progress' THEN 1 ELSE 0 END,"
        f' completed = completed {sign} CASE WHEN {done} THEN 1 ELSE 0 END,'
        f' score_sum = score_sum {sign} CASE WHEN {scored} THEN {r}.best_score ELSE 0 END,'
        f' scored = scored {sign} CASE WHEN {scored} THEN 1 ELSE 0 END'
        f' WHERE course_id = {r}.course_id AND unit_id = {UNIT_OF.format(r=r)}'
    )
    return statements


def _entry(r: str, sign: str) -> list[str]:
    """Add or take away ledger entry `r`'s hours in its learner's unit (and course)."""
    statements = []
    if sign == '+':
        statements += [
            'INSERT INTO unit_counts (unit_id, learners, hours) SELECT u.unit_id, 0, 0 FROM users u'
            f' WHERE u.id = {r}.user_id AND u.is_active AND u.unit_id IS NOT NULL'
            ' ON CONFLICT DO NOTHING',
            f'INSERT INTO unit_course_counts {COURSE_COLUMNS} SELECT u.unit_id, {r}.course_id,'
            f' 0, 0, 0, 0, 0 FROM users u WHERE u.id = {r}.user_id AND u.is_active'
            f' AND u.unit_id IS NOT NULL AND {r}.course_id IS NOT NULL ON CONFLICT DO NOTHING',
        ]
    unit = UNIT_OF.format(r=r)
    statements += [
        f'UPDATE unit_counts SET hours = hours {sign} {r}.hours WHERE unit_id = {unit}',
        f'UPDATE unit_course_counts SET hours = hours {sign} {r}.hours'
        f' WHERE course_id = {r}.course_id AND unit_id = {unit}',
    ]
    return statements


def _user(r: str, sign: str) -> list[str]:
    """Add (a learner joins a unit, or becomes active) or take away (leaves, is deactivated or
    deleted) everything user row `r` counts for in its unit."""
    statements = []
    if sign == '+':
        statements += [
            f'INSERT INTO unit_counts (unit_id, learners, hours) VALUES ({r}.unit_id, 0, 0)'
            ' ON CONFLICT DO NOTHING',
            f'INSERT INTO unit_course_counts {COURSE_COLUMNS} SELECT {r}.unit_id, k.course_id,'
            f' 0, 0, 0, 0, 0 FROM (SELECT course_id FROM enrollments WHERE user_id = {r}.id'
            ' UNION SELECT course_id FROM credit_entries'
            f' WHERE user_id = {r}.id AND course_id IS NOT NULL) AS k WHERE true'
            ' ON CONFLICT DO NOTHING',
        ]
    statements += [
        f'UPDATE unit_counts SET learners = learners {sign} 1, hours = hours {sign}'
        f' (SELECT COALESCE(SUM(c.hours), 0) FROM credit_entries c WHERE c.user_id = {r}.id)'
        f' WHERE unit_id = {r}.unit_id',
        'UPDATE unit_course_counts SET'
        f' in_progress = unit_course_counts.in_progress {sign} s.in_progress,'
        f' completed = unit_course_counts.completed {sign} s.completed,'
        f' score_sum = unit_course_counts.score_sum {sign} s.score_sum,'
        f' scored = unit_course_counts.scored {sign} s.scored'
        " FROM (SELECT course_id, SUM(CASE WHEN status = 'in_progress' THEN 1 ELSE 0 END)"
        " AS in_progress, SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) AS completed,"
        " SUM(CASE WHEN status = 'completed' AND best_score IS NOT NULL THEN best_score"
        " ELSE 0 END) AS score_sum, SUM(CASE WHEN status = 'completed' AND best_score IS NOT"
        f' NULL THEN 1 ELSE 0 END) AS scored FROM enrollments WHERE user_id = {r}.id'
        ' GROUP BY course_id) AS s'
        f' WHERE unit_course_counts.unit_id = {r}.unit_id'
        ' AND unit_course_counts.course_id = s.course_id',
        f'UPDATE unit_course_counts SET hours = unit_course_counts.hours {sign} s.hours'
        ' FROM (SELECT course_id, SUM(hours) AS hours FROM credit_entries'
        f' WHERE user_id = {r}.id AND course_id IS NOT NULL GROUP BY course_id) AS s'
        f' WHERE unit_course_counts.unit_id = {r}.unit_id'
        ' AND unit_course_counts.course_id = s.course_id',
    ]
    return statements


COUNTS = 'NEW.is_active AND NEW.unit_id IS NOT NULL'
COUNTED = 'OLD.is_active AND OLD.unit_id IS NOT NULL'
# (name, timing, event, table, condition or None, statements), in the order they should fire.
TRIGGERS = [
    ('counts_enrollment_insert', 'AFTER', 'INSERT', 'enrollments', None, _enrollment('NEW', '+')),
    (
        'counts_enrollment_update', 'AFTER', 'UPDATE', 'enrollments',
        'OLD.status IS DISTINCT FROM NEW.status OR OLD.best_score IS DISTINCT FROM'
        ' NEW.best_score OR OLD.user_id IS DISTINCT FROM NEW.user_id'
        ' OR OLD.course_id IS DISTINCT FROM NEW.course_id',
        _enrollment('OLD', '-') + _enrollment('NEW', '+'),
    ),
    ('counts_enrollment_delete', 'AFTER', 'DELETE', 'enrollments', None, _enrollment('OLD', '-')),
    ('counts_entry_insert', 'AFTER', 'INSERT', 'credit_entries', None, _entry('NEW', '+')),
    (
        'counts_entry_update', 'AFTER', 'UPDATE', 'credit_entries',
        'OLD.hours IS DISTINCT FROM NEW.hours OR OLD.user_id IS DISTINCT FROM NEW.user_id'
        ' OR OLD.course_id IS DISTINCT FROM NEW.course_id',
        _entry('OLD', '-') + _entry('NEW', '+'),
    ),
    ('counts_entry_delete', 'AFTER', 'DELETE', 'credit_entries', None, _entry('OLD', '-')),
    ('counts_user_insert', 'AFTER', 'INSERT', 'users', COUNTS, _user('NEW', '+')),
    (
        'counts_user_leave', 'AFTER', 'UPDATE', 'users',
        f'{COUNTED} AND (OLD.unit_id IS DISTINCT FROM NEW.unit_id OR NOT NEW.is_active)',
        _user('OLD', '-'),
    ),
    (
        'counts_user_join', 'AFTER', 'UPDATE', 'users',
        f'{COUNTS} AND (OLD.unit_id IS DISTINCT FROM NEW.unit_id OR NOT OLD.is_active)',
        _user('NEW', '+'),
    ),
    # Before the row goes: its enrollments and entries are deleted after it (cascade), when
    # their own triggers no longer find an active user to take them from.
    ('counts_user_delete', 'BEFORE', 'DELETE', 'users', COUNTED, _user('OLD', '-')),
]

FILL = [
    'INSERT INTO unit_counts (unit_id, learners, hours)'
    ' SELECT u.unit_id, COUNT(*), COALESCE(SUM(h.hours), 0) FROM users u'
    ' LEFT JOIN (SELECT user_id, SUM(hours) AS hours FROM credit_entries GROUP BY user_id) AS h'
    ' ON h.user_id = u.id WHERE u.is_active AND u.unit_id IS NOT NULL GROUP BY u.unit_id',
    f'INSERT INTO unit_course_counts {COURSE_COLUMNS}'
    ' SELECT unit_id, course_id, SUM(in_progress), SUM(completed), SUM(score_sum), SUM(scored),'
    ' SUM(hours) FROM ('
    " SELECT u.unit_id, e.course_id, CASE WHEN e.status = 'in_progress' THEN 1 ELSE 0 END"
    " AS in_progress, CASE WHEN e.status = 'completed' THEN 1 ELSE 0 END AS completed,"
    " CASE WHEN e.status = 'completed' AND e.best_score IS NOT NULL THEN e.best_score ELSE 0"
    " END AS score_sum, CASE WHEN e.status = 'completed' AND e.best_score IS NOT NULL THEN 1"
    ' ELSE 0 END AS scored, 0 AS hours FROM enrollments e JOIN users u ON u.id = e.user_id'
    ' WHERE u.is_active AND u.unit_id IS NOT NULL'
    ' UNION ALL SELECT u.unit_id, c.course_id, 0, 0, 0, 0, c.hours FROM credit_entries c'
    ' JOIN users u ON u.id = c.user_id WHERE u.is_active AND u.unit_id IS NOT NULL'
    ' AND c.course_id IS NOT NULL) AS x GROUP BY unit_id, course_id',
]


def _create_trigger(dialect: str, name: str, timing: str, event: str, table: str,
                    condition: str | None, statements: list[str]) -> list[str]:
    when = f' WHEN ({condition})' if condition else ''
    body = ''.join(f'{statement};\n' for statement in statements)
    if dialect == 'sqlite':
        return [f'CREATE TRIGGER {name} {timing} {event} ON {table} FOR EACH ROW{when}\n'
                f'BEGIN\n{body}END']
    result = 'OLD' if timing == 'BEFORE' else 'NULL'
    return [
        f'CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n{body}'
        f'RETURN {result};\nEND\n$$',
        f'CREATE TRIGGER {name} {timing} {event} ON {table} FOR EACH ROW{when}'
        f' EXECUTE FUNCTION {name}()',
    ]


def upgrade() -> None:
    op.create_table('unit_counts',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('learners', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_counts_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('unit_id', name=op.f('pk_unit_counts'))
    )
    op.create_table('unit_course_counts',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('in_progress', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.Column('score_sum', sa.Float(), nullable=False),
    sa.Column('scored', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_unit_course_counts_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_course_counts_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('unit_id', 'course_id', name=op.f('pk_unit_course_counts'))
    )
    with op.batch_alter_table('unit_course_counts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_course_counts_course_id'), ['course_id'], unique=False)
    for statement in FILL:
        op.execute(statement)
    dialect = op.get_bind().dialect.name
    for trigger in TRIGGERS:
        for statement in _create_trigger(dialect, *trigger):
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, _timing, _event, table, _condition, _statements in reversed(TRIGGERS):
        if dialect == 'sqlite':
            op.execute(f'DROP TRIGGER IF EXISTS {name}')
        else:
            op.execute(f'DROP TRIGGER IF EXISTS {name} ON {table}')
            op.execute(f'DROP FUNCTION IF EXISTS {name}()')
    with op.batch_alter_table('unit_course_counts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_course_counts_course_id'))
    op.drop_table('unit_course_counts')
    op.drop_table('unit_counts')
