"""completions and credit hours per unit, course and month, kept by triggers

A report for whole months (a year, a quarter, a month) sums these buckets instead of the
learners' rows: `unit_course_months` holds per unit, course and month the completions, their
best scores and the course's credit hours; `unit_months` every credit hour per unit and month
(offline training and adjustments too). The month is the academy's local month, at the fixed
offset from UTC in `report_settings` (Asia/Shanghai: +08:00, no daylight saving), so the same
SQL computes it on SQLite and PostgreSQL whatever writes the row; the app uses the buckets only
for periods where the configured zone has that offset at every month boundary.

The triggers sit beside those of 0018 (one set per table kept), with the same shape: a row's
share is added or taken away in its learner's unit when the row changes, and a learner's
whole share moves when they change unit or activity.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 19:20:00
"""

import os
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op


revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OFFSET = '(SELECT month_offset_minutes FROM report_settings WHERE id = 1)'
UNIT_OF = '(SELECT unit_id FROM users WHERE id = {r}.user_id AND is_active AND unit_id IS NOT NULL)'
COURSE_COLUMNS = '(unit_id, course_id, month, completed, score_sum, scored, hours)'


def month_of(dialect: str, column: str) -> str:
    """The local month (YYYYMM as an integer) of a UTC timestamp column, at the stored offset."""
    if dialect == 'sqlite':
        return f"CAST(strftime('%Y%m', {column}, {OFFSET} || ' minutes') AS INTEGER)"
    return (f"CAST(to_char(({column} AT TIME ZONE 'UTC') + make_interval(mins => {OFFSET}),"
            " 'YYYYMM') AS INTEGER)")


def _enrollment(d: str, r: str, sign: str) -> list[str]:
    """Add or take away completed enrollment `r` in its unit, course and month."""
    month = month_of(d, f'{r}.completed_at')
    scored = f'{r}.best_score IS NOT NULL'
    statements = []
    if sign == '+':
        statements.append(
            f'INSERT INTO unit_course_months {COURSE_COLUMNS} SELECT u.unit_id, {r}.course_id,'
            f' {month}, 0, 0, 0, 0 FROM users u WHERE u.id = {r}.user_id AND u.is_active'
            f" AND u.unit_id IS NOT NULL AND {r}.status = 'completed' ON CONFLICT DO NOTHING"
        )
    statements.append(
        f'UPDATE unit_course_months SET completed = completed {sign} 1,'
        f' score_sum = score_sum {sign} CASE WHEN {scored} THEN {r}.best_score ELSE 0 END,'
        f' scored = scored {sign} CASE WHEN {scored} THEN 1 ELSE 0 END'
        f" WHERE {r}.status = 'completed' AND course_id = {r}.course_id AND month = {month}"
        f' AND unit_id = {UNIT_OF.format(r=r)}'
    )
    return statements


def _entry(d: str, r: str, sign: str) -> list[str]:
    """Add or take away ledger entry `r`'s hours in its learner's unit (and course) and month."""
    month = month_of(d, f'{r}.awarded_at')
    statements = []
    if sign == '+':
        statements += [
            f'INSERT INTO unit_months (unit_id, month, hours) SELECT u.unit_id, {month}, 0'
            f' FROM users u WHERE u.id = {r}.user_id AND u.is_active AND u.unit_id IS NOT NULL'
            ' ON CONFLICT DO NOTHING',
            f'INSERT INTO unit_course_months {COURSE_COLUMNS} SELECT u.unit_id, {r}.course_id,'
            f' {month}, 0, 0, 0, 0 FROM users u WHERE u.id = {r}.user_id AND u.is_active'
            f' AND u.unit_id IS NOT NULL AND {r}.course_id IS NOT NULL ON CONFLICT DO NOTHING',
        ]
    unit = UNIT_OF.format(r=r)
    statements += [
        f'UPDATE unit_months SET hours = hours {sign} {r}.hours'
        f' WHERE month = {month} AND unit_id = {unit}',
        f'UPDATE unit_course_months SET hours = hours {sign} {r}.hours'
        f' WHERE course_id = {r}.course_id AND month = {month} AND unit_id = {unit}',
    ]
    return statements


def _user(d: str, r: str, sign: str) -> list[str]:
    """Add or take away every bucket share of user row `r` in its unit."""
    completed = month_of(d, 'completed_at')
    awarded = month_of(d, 'awarded_at')
    done = (
        f'SELECT course_id, {completed} AS month, COUNT(*) AS completed,'
        ' SUM(CASE WHEN best_score IS NOT NULL THEN best_score ELSE 0 END) AS score_sum,'
        ' SUM(CASE WHEN best_score IS NOT NULL THEN 1 ELSE 0 END) AS scored FROM enrollments'
        f" WHERE user_id = {r}.id AND status = 'completed' GROUP BY course_id, {completed}"
    )
    course_hours = (
        f'SELECT course_id, {awarded} AS month, SUM(hours) AS hours FROM credit_entries'
        f' WHERE user_id = {r}.id AND course_id IS NOT NULL GROUP BY course_id, {awarded}'
    )
    all_hours = (
        f'SELECT {awarded} AS month, SUM(hours) AS hours FROM credit_entries'
        f' WHERE user_id = {r}.id GROUP BY {awarded}'
    )
    statements = []
    if sign == '+':
        statements += [
            f'INSERT INTO unit_months (unit_id, month, hours) SELECT {r}.unit_id, k.month, 0'
            f' FROM ({all_hours}) AS k WHERE true ON CONFLICT DO NOTHING',
            f'INSERT INTO unit_course_months {COURSE_COLUMNS} SELECT {r}.unit_id, k.course_id,'
            f' k.month, 0, 0, 0, 0 FROM (SELECT course_id, month FROM ({done}) AS a'
            f' UNION SELECT course_id, month FROM ({course_hours}) AS b) AS k WHERE true'
            ' ON CONFLICT DO NOTHING',
        ]
    statements += [
        f'UPDATE unit_months SET hours = unit_months.hours {sign} s.hours FROM ({all_hours}) AS s'
        f' WHERE unit_months.unit_id = {r}.unit_id AND unit_months.month = s.month',
        'UPDATE unit_course_months SET'
        f' completed = unit_course_months.completed {sign} s.completed,'
        f' score_sum = unit_course_months.score_sum {sign} s.score_sum,'
        f' scored = unit_course_months.scored {sign} s.scored FROM ({done}) AS s'
        f' WHERE unit_course_months.unit_id = {r}.unit_id'
        ' AND unit_course_months.course_id = s.course_id AND unit_course_months.month = s.month',
        f'UPDATE unit_course_months SET hours = unit_course_months.hours {sign} s.hours'
        f' FROM ({course_hours}) AS s WHERE unit_course_months.unit_id = {r}.unit_id'
        ' AND unit_course_months.course_id = s.course_id AND unit_course_months.month = s.month',
    ]
    return statements


COUNTS = 'NEW.is_active AND NEW.unit_id IS NOT NULL'
COUNTED = 'OLD.is_active AND OLD.unit_id IS NOT NULL'


def triggers(d: str) -> list[tuple]:
    """(name, timing, event, table, condition or None, statements), in the order they fire."""
    return [
        ('months_enrollment_insert', 'AFTER', 'INSERT', 'enrollments',
         "NEW.status = 'completed'", _enrollment(d, 'NEW', '+')),
        ('months_enrollment_update', 'AFTER', 'UPDATE', 'enrollments',
         "(OLD.status = 'completed' OR NEW.status = 'completed') AND ("
         'OLD.status IS DISTINCT FROM NEW.status OR OLD.best_score IS DISTINCT FROM'
         ' NEW.best_score OR OLD.completed_at IS DISTINCT FROM NEW.completed_at'
         ' OR OLD.user_id IS DISTINCT FROM NEW.user_id'
         ' OR OLD.course_id IS DISTINCT FROM NEW.course_id)',
         _enrollment(d, 'OLD', '-') + _enrollment(d, 'NEW', '+')),
        ('months_enrollment_delete', 'AFTER', 'DELETE', 'enrollments',
         "OLD.status = 'completed'", _enrollment(d, 'OLD', '-')),
        ('months_entry_insert', 'AFTER', 'INSERT', 'credit_entries', None, _entry(d, 'NEW', '+')),
        ('months_entry_update', 'AFTER', 'UPDATE', 'credit_entries',
         'OLD.hours IS DISTINCT FROM NEW.hours OR OLD.user_id IS DISTINCT FROM NEW.user_id'
         ' OR OLD.course_id IS DISTINCT FROM NEW.course_id'
         ' OR OLD.awarded_at IS DISTINCT FROM NEW.awarded_at',
         _entry(d, 'OLD', '-') + _entry(d, 'NEW', '+')),
        ('months_entry_delete', 'AFTER', 'DELETE', 'credit_entries', None, _entry(d, 'OLD', '-')),
        ('months_user_insert', 'AFTER', 'INSERT', 'users', COUNTS, _user(d, 'NEW', '+')),
        ('months_user_leave', 'AFTER', 'UPDATE', 'users',
         f'{COUNTED} AND (OLD.unit_id IS DISTINCT FROM NEW.unit_id OR NOT NEW.is_active)',
         _user(d, 'OLD', '-')),
        ('months_user_join', 'AFTER', 'UPDATE', 'users',
         f'{COUNTS} AND (OLD.unit_id IS DISTINCT FROM NEW.unit_id OR NOT OLD.is_active)',
         _user(d, 'NEW', '+')),
        # Before the row goes, as in 0018: its rows' own triggers find no active user after it.
        ('months_user_delete', 'BEFORE', 'DELETE', 'users', COUNTED, _user(d, 'OLD', '-')),
    ]


def fill(d: str) -> list[str]:
    """Fill the buckets from the rows already there."""
    completed, awarded = month_of(d, 'e.completed_at'), month_of(d, 'c.awarded_at')
    active = 'u.is_active AND u.unit_id IS NOT NULL'
    return [
        'INSERT INTO unit_months (unit_id, month, hours)'
        f' SELECT u.unit_id, {awarded}, SUM(c.hours) FROM credit_entries c'
        f' JOIN users u ON u.id = c.user_id WHERE {active} GROUP BY u.unit_id, {awarded}',
        f'INSERT INTO unit_course_months {COURSE_COLUMNS}'
        ' SELECT unit_id, course_id, month, SUM(completed), SUM(score_sum), SUM(scored),'
        f' SUM(hours) FROM (SELECT u.unit_id, e.course_id, {completed} AS month, 1 AS completed,'
        ' CASE WHEN e.best_score IS NOT NULL THEN e.best_score ELSE 0 END AS score_sum,'
        ' CASE WHEN e.best_score IS NOT NULL THEN 1 ELSE 0 END AS scored, 0 AS hours'
        f" FROM enrollments e JOIN users u ON u.id = e.user_id WHERE {active}"
        " AND e.status = 'completed'"
        f' UNION ALL SELECT u.unit_id, c.course_id, {awarded}, 0, 0, 0, c.hours'
        f' FROM credit_entries c JOIN users u ON u.id = c.user_id WHERE {active}'
        ' AND c.course_id IS NOT NULL) AS x GROUP BY unit_id, course_id, month',
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


def _standard_offset_minutes() -> int:
    """The academy zone's offset in January (the app checks it holds for a report's months)."""
    zone = ZoneInfo(os.environ.get('TIMEZONE', 'Asia/Shanghai'))
    offset = datetime(2026, 1, 15, 12, tzinfo=zone).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def upgrade() -> None:
    op.create_table('report_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month_offset_minutes', sa.Integer(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_report_settings_one_row')),
    sa.CheckConstraint('month_offset_minutes BETWEEN -840 AND 840', name=op.f('ck_report_settings_offset_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_settings'))
    )
    op.create_table('unit_months',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_months_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('unit_id', 'month', name=op.f('pk_unit_months'))
    )
    op.create_table('unit_course_months',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.Column('score_sum', sa.Float(), nullable=False),
    sa.Column('scored', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_unit_course_months_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_course_months_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('unit_id', 'course_id', 'month', name=op.f('pk_unit_course_months'))
    )
    with op.batch_alter_table('unit_course_months', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_course_months_course_id'), ['course_id'], unique=False)
    op.execute(
        'INSERT INTO report_settings (id, month_offset_minutes)'
        f' VALUES (1, {_standard_offset_minutes()})'
    )
    dialect = op.get_bind().dialect.name
    for statement in fill(dialect):
        op.execute(statement)
    for trigger in triggers(dialect):
        for statement in _create_trigger(dialect, *trigger):
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, _timing, _event, table, _condition, _statements in reversed(triggers(dialect)):
        if dialect == 'sqlite':
            op.execute(f'DROP TRIGGER IF EXISTS {name}')
        else:
            op.execute(f'DROP TRIGGER IF EXISTS {name} ON {table}')
            op.execute(f'DROP FUNCTION IF EXISTS {name}()')
    with op.batch_alter_table('unit_course_months', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_course_months_course_id'))
    op.drop_table('unit_course_months')
    op.drop_table('unit_months')
    op.drop_table('report_settings')
