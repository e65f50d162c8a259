"""`flask --app app demo generate`: a synthetic organisation with assignments and progress."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import (
    AuditEvent,
    Course,
    Enrollment,
    LessonProgress,
    Unit,
    UnitCourse,
    User,
    UserRole,
)
from app.reports.queries import ReportFilters, unit_report

LEARNERS, UNITS, COURSES = 50, 12, 2
ARGS = [
    "demo",
    "generate",
    "--learners",
    str(LEARNERS),
    "--units",
    str(UNITS),
    "--courses",
    str(COURSES),
    "--seed",
    "7",
]


def _generate(app, runner):  # noqa: ANN001, ANN202
    app.config["ENV_NAME"] = "development"
    result = runner.invoke(args=ARGS)
    assert result.exit_code == 0, result.output
    return result


def _root(session, code="GEN-000000"):  # noqa: ANN001, ANN202
    return session.scalar(select(Unit).where(Unit.code == code))


def test_generate_creates_the_requested_sizes(app, runner, session):
    result = _generate(app, runner)
    assert "learners: 50" in result.output
    assert session.scalar(select(func.count()).select_from(Unit)) == UNITS
    assert session.scalar(select(func.count()).select_from(User)) == LEARNERS
    assert session.scalar(select(func.count()).select_from(Course)) == COURSES
    roles = session.execute(select(UserRole.role, func.count()).group_by(UserRole.role)).all()
    assert roles == [("learner", LEARNERS)]
    users = session.scalars(select(User)).unique().all()
    assert all(u.password_hash is None and u.is_active for u in users)
    assert len({u.session_token for u in users}) == LEARNERS
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_generated_tree_is_at_most_six_levels_with_consistent_paths(app, runner, session):
    _generate(app, runner)
    units = {u.id: u for u in session.scalars(select(Unit))}
    assert max(u.depth for u in units.values()) <= 5  # root at depth 0: six levels at most
    roots = [u for u in units.values() if u.parent_id is None]
    assert len(roots) == 1 and roots[0].path == f"/{roots[0].id}/"
    for unit in units.values():
        if unit.parent_id is not None:
            parent = units[unit.parent_id]
            assert unit.path == f"{parent.path}{unit.id}/"
            assert unit.depth == parent.depth + 1


def test_every_learner_is_assigned_every_course_through_the_root(app, runner, session):
    _generate(app, runner)
    root = _root(session)
    total = unit_report(session, root, ReportFilters())[-1]
    assert total.is_total
    assert total.totals.learners == LEARNERS
    assert total.totals.assigned == LEARNERS * COURSES
    assert session.scalar(select(func.count()).select_from(UnitCourse)) == UNITS * COURSES
    completed = session.scalar(
        select(func.count()).select_from(Enrollment).where(Enrollment.status == "completed")
    )
    assert total.totals.completed == completed > 0
    assert 0 < total.totals.in_progress < LEARNERS * COURSES


def test_generated_progress_is_consistent(app, runner, session):
    _generate(app, runner)
    credit = dict(session.execute(select(Course.id, Course.credit_hours)).tuples().all())
    for enrollment in session.scalars(select(Enrollment)):
        if enrollment.status == "completed":
            assert enrollment.completed_lessons == 8 and enrollment.percent == 100
            assert 60 <= enrollment.best_score <= 100
            assert enrollment.credit_hours_awarded == credit[enrollment.course_id]
        else:
            assert enrollment.completed_lessons < 8 and enrollment.credit_hours_awarded == 0
        done = session.scalar(
            select(func.count()).where(
                LessonProgress.user_id == enrollment.user_id,
                LessonProgress.course_id == enrollment.course_id,
                LessonProgress.completed_at.is_not(None),
            )
        )
        assert done == enrollment.completed_lessons


def test_a_second_run_adds_a_second_organisation(app, runner, session):
    _generate(app, runner)
    second = _generate(app, runner)
    assert "GEN2" in second.output
    assert session.scalar(select(func.count()).select_from(User)) == 2 * LEARNERS
    assert session.scalar(select(func.count()).select_from(Unit)) == 2 * UNITS
    first_root, second_root = _root(session), _root(session, "GEN2-000000")
    for root in (first_root, second_root):
        total = unit_report(session, root, ReportFilters())[-1].totals
        assert (total.learners, total.assigned) == (LEARNERS, LEARNERS * COURSES)


def test_ids_handed_out_after_a_run_do_not_collide(app, runner, session, make_user):
    _generate(app, runner)
    user = make_user("after-generate", unit=_root(session))
    assert user.id > max(session.scalars(select(User.id).where(User.username != user.username)))


def test_generate_refuses_to_run_in_production(app, runner, session):
    app.config["ENV_NAME"] = "production"
    result = runner.invoke(args=ARGS)
    assert result.exit_code != 0
    assert "development" in result.output
    assert session.scalar(select(func.count()).select_from(Unit)) == 0


def test_demo_without_subcommand_still_loads_the_demo(app, runner, session):
    app.config["ENV_NAME"] = "development"
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "learn-digital-2026" in result.output
    assert session.scalar(select(User.id).where(User.username == "learner")) is not None
