"""Demo data for `flask --app app demo`: a small organisation and one account per role."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.assignments.services import assign
from app.auth import services as accounts
from app.content.check import check_paths
from app.content.lookup import course_by_slug
from app.content.sync import sync_and_refresh
from app.models import Assignment, User
from app.organisation.operations import create_unit
from app.organisation.tree import unit_by_code

# (code, name, parent code)
DEMO_UNITS = [
    ("PROV", "Demo Province Government / 示范省人民政府", None),
    ("PROV-DATA", "Provincial Big Data Bureau / 省大数据局", "PROV"),
    ("CITY-A", "City A Government / 甲市人民政府", "PROV"),
    ("CITY-A-HR", "City A Human Resources Bureau / 甲市人社局", "CITY-A"),
    ("COUNTY-A1", "County A1 Government / 甲市一县人民政府", "CITY-A"),
    ("CITY-B", "City B Government / 乙市人民政府", "PROV"),
]

# The passwords are published in the README: demo accounts are for trying the site locally.
DEMO_ACCOUNTS = [
    ("learner", "Li Ming / 李明", "learn-digital-2026", ["learner"], "COUNTY-A1"),
    ("trainer", "Wang Fang / 王芳", "teach-digital-2026", ["learner", "trainer"], "PROV-DATA"),
    ("hr", "Zhang Wei / 张伟", "report-digital-2026", ["learner", "hr"], "CITY-A"),
    ("admin", "Chen Jing / 陈静", "admin-keeps-order-2026", ["learner", "admin"], "PROV"),
]


def load_demo(session: Session) -> list[tuple[str, str, list[str]]]:
    """Create whatever demo units and users are missing; return the demo accounts."""
    for code, name, parent_code in DEMO_UNITS:
        if unit_by_code(session, code) is None:
            parent = unit_by_code(session, parent_code) if parent_code else None
            create_unit(session, code, name, parent)
    for username, full_name, password, roles, unit_code in DEMO_ACCOUNTS:
        if session.scalar(select(User.id).where(User.username == username)) is None:
            accounts.create_user(
                session,
                username,
                full_name=full_name,
                password=password,
                roles=set(roles),
                unit=unit_by_code(session, unit_code),
            )
    return [(u, p, r) for u, _n, p, r, _c in DEMO_ACCOUNTS]


def load_demo_courses(session: Session, courses_dir: str) -> list[str]:
    """Import every course in `courses_dir` that has no errors; return one line per course."""
    report = check_paths([courses_dir])
    lines = []
    for course in report.courses:
        if report.errors_in(course):
            lines.append(f"{course.id}: not imported, run `flask --app app courses check`")
            continue
        result = sync_and_refresh(session, course)
        lines.append(f"{course.id}: {result.outcome}")
    _assign_demo_courses(session)
    return lines


# Two required courses for the whole demo province, so dashboards and reports have content.
DEMO_ASSIGNMENTS = [
    ("PROV", "cyber-security-essentials", 60),
    ("PROV", "digital-government-foundations", 120),
]


def _assign_demo_courses(session: Session) -> None:
    for unit_code, slug, days in DEMO_ASSIGNMENTS:
        unit = unit_by_code(session, unit_code)
        course = course_by_slug(session, slug)
        if unit is None or course is None or course.status != "published":
            continue
        exists = session.scalar(
            select(Assignment.id).where(
                Assignment.unit_id == unit.id, Assignment.course_id == course.id
            )
        )
        if exists is None:
            assign(session, unit, course, due_date=date.today() + timedelta(days=days))
