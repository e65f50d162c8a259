"""All models, imported here so Alembic and the app see one complete metadata."""

from app.models.assignment import Assignment, UnitCount, UnitCourse, UnitCourseCount
from app.models.audit import AuditEvent
from app.models.certificates import CERTIFICATE_KINDS, Certificate
from app.models.claims import CLAIM_STATUSES, TrainingClaim
from app.models.content import Course, CourseAsset, Lesson, Module, Question, QuestionVersion
from app.models.credits import CreditEntry, CreditRule
from app.models.identity import ROLES, LoginAttempt, LoginThrottle, Unit, User, UserRole
from app.models.mfa import RecoveryCode, TotpCredential
from app.models.progress import ENROLLMENT_STATUSES, Enrollment, LearnerClock, LessonProgress
from app.models.quiz import AttemptGrant, AttemptItem, QuizAttempt
from app.models.report_months import ReportSettings, UnitCourseMonth, UnitMonth
from app.models.sessions import LoginSession
from app.models.studio import CourseEditor, CourseRevision

__all__ = [
    "CERTIFICATE_KINDS",
    "CLAIM_STATUSES",
    "ENROLLMENT_STATUSES",
    "ROLES",
    "Assignment",
    "AttemptGrant",
    "AttemptItem",
    "AuditEvent",
    "Certificate",
    "Course",
    "CourseAsset",
    "CourseEditor",
    "CourseRevision",
    "CreditEntry",
    "CreditRule",
    "Enrollment",
    "LearnerClock",
    "Lesson",
    "LessonProgress",
    "LoginAttempt",
    "LoginSession",
    "LoginThrottle",
    "Module",
    "Question",
    "QuestionVersion",
    "QuizAttempt",
    "RecoveryCode",
    "ReportSettings",
    "TotpCredential",
    "TrainingClaim",
    "Unit",
    "UnitCount",
    "UnitCourse",
    "UnitCourseCount",
    "UnitCourseMonth",
    "UnitMonth",
    "User",
    "UserRole",
]
