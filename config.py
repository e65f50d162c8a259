"""Configuration classes, read from environment variables.

`ACADEMY_ENV` picks the class: `production` (the default, so a forgotten setting fails safe),
`development` or `testing`. Every variable is documented in the README.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", BASE_DIR / "instance"))


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _roles_env(name: str, default: str) -> tuple[str, ...]:
    """A comma-separated list of role names; set but empty means none."""
    value = os.environ.get(name)
    return parse_roles(default if value is None else value)


def parse_roles(text: str) -> tuple[str, ...]:
    """`"admin, hr"` -> `("admin", "hr")`; refuses a name that is not a role, because a typo
    would otherwise switch off the second factor it was meant to require."""
    roles = tuple(sorted({part.strip().lower() for part in text.split(",") if part.strip()}))
    unknown = [role for role in roles if role not in KNOWN_ROLES]
    if unknown:
        raise RuntimeError(
            f"MFA_REQUIRED_ROLES names unknown roles: {', '.join(unknown)}. "
            f"Use any of {', '.join(KNOWN_ROLES)}, separated by commas."
        )
    return roles


def _float_env(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


DEFAULT_CREDIT_CATEGORIES = "厅局级,县处级,乡科级,一般干部"


def parse_credit_categories(text: str, default_target: float) -> dict[str, float]:
    """`"厅局级=40, 县处级, 一般干部=60"` -> each category with its yearly credit-hour target (a
    name without `=` has the default target). Refuses what would silently give a wrong target:
    an empty or long name, a name twice, a target that is not a non-negative number."""
    categories: dict[str, float] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        name, _sep, target = part.partition("=")
        name = name.strip()
        if not name or len(name) > 32 or name in categories:
            raise RuntimeError(
                f"CREDIT_CATEGORIES: {part.strip()!r} is empty, longer than 32 characters or"
                " given twice. Write names with optional targets: 厅局级=50,县处级=50."
            )
        try:
            hours = float(target) if target.strip() else default_target
        except ValueError:
            hours = -1.0
        if not hours >= 0:
            raise RuntimeError(
                f"CREDIT_CATEGORIES: the target of {name} ({target.strip()!r}) is not a number"
                " of hours (0 or more)."
            )
        categories[name] = hours
    return categories


# The role names of app.models.ROLES (config is read before the app is imported; a test keeps
# the two the same).
KNOWN_ROLES = ("learner", "trainer", "hr", "admin")
MIN_SECRET_KEY_BYTES = 32
# Keys that have been published (this one was in the repository for the tests).
KNOWN_SECRET_KEYS = frozenset({"testing-only-secret-key"})
_TEST_RUN_KEY = secrets.token_hex(32)


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "production"
    DEBUG = False
    TESTING = False

    SQLALCHEMY_ECHO = False
    COURSES_DIR = os.environ.get("COURSES_DIR", str(BASE_DIR / "courses"))

    # Sessions: the cookie lives for the browser session; the idle timeout and the absolute
    # lifetime are enforced on the server side by app.auth.sessions.
    SESSION_COOKIE_NAME = "academy_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    SESSION_IDLE_MINUTES = _int_env("SESSION_IDLE_MINUTES", 30)
    SESSION_MAX_HOURS = _int_env("SESSION_MAX_HOURS", 12)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=SESSION_MAX_HOURS)
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    WTF_CSRF_TIME_LIMIT = None  # the session's own lifetime bounds the token

    LOGIN_MAX_FAILURES = _int_env("LOGIN_MAX_FAILURES", 5)
    LOGIN_WINDOW_MINUTES = _int_env("LOGIN_WINDOW_MINUTES", 15)
    LOGIN_MAX_FAILURES_PER_ADDRESS = _int_env("LOGIN_MAX_FAILURES_PER_ADDRESS", 50)
    # How many reverse proxies in front of the app add X-Forwarded-For/-Proto; 0: none, and
    # the headers are ignored (a client could write them). Behind one proxy, set 1, or every
    # client has the proxy's address and the per-address throttle counts them all as one.
    PROXY_FIX_X_FOR = _int_env("PROXY_FIX_X_FOR", 0)

    # Roles that must sign in with a second factor (TOTP); they are sent to enrol at their next
    # sign-in. Empty: nobody must, everybody may (from /account/security).
    MFA_REQUIRED_ROLES = _roles_env("MFA_REQUIRED_ROLES", "admin,hr")

    # How long an activation code handed out by HR works (`users import`, admin reset).
    ACTIVATION_CODE_DAYS = _int_env("ACTIVATION_CODE_DAYS", 14)

    ANNUAL_CREDIT_HOURS_TARGET = _float_env("ANNUAL_CREDIT_HOURS_TARGET", 50)
    # Cadre categories a user may have, each with its yearly target (app.credits.categories).
    CREDIT_CATEGORIES = parse_credit_categories(
        os.environ.get("CREDIT_CATEGORIES", DEFAULT_CREDIT_CATEGORIES),
        ANNUAL_CREDIT_HOURS_TARGET,
    )
    # Most minutes of time on task counted per lesson; 0 means twice the lesson's estimate.
    LESSON_TIME_CAP_MINUTES = _int_env("LESSON_TIME_CAP_MINUTES", 0)
    # More credit hours than this in one day puts a learner on HR's "look at these" list.
    IMPLAUSIBLE_HOURS_PER_DAY = _float_env("IMPLAUSIBLE_HOURS_PER_DAY", 8)

    # Input limits (OWASP ASVS 5.1/12.1): every request body is bounded before it is parsed.
    # 1 MiB holds the largest quiz form (100 questions of 500 typed characters, percent-encoded);
    # a form may have at most MAX_FORM_PARTS fields (a quiz of 100 questions with 12 options
    # each, all ticked, fits). Only the CSV upload views of app/admin take the UPLOAD_ sizes:
    # a 5 MB file, and then its checked text carried back signed in the confirmation form.
    MAX_CONTENT_LENGTH = _int_env("MAX_CONTENT_LENGTH", 1024 * 1024)
    MAX_FORM_MEMORY_SIZE = _int_env("MAX_FORM_MEMORY_SIZE", 500_000)
    MAX_FORM_PARTS = _int_env("MAX_FORM_PARTS", 2000)
    UPLOAD_MAX_CONTENT_LENGTH = _int_env("UPLOAD_MAX_CONTENT_LENGTH", 16 * 1024 * 1024)
    UPLOAD_MAX_FORM_MEMORY_SIZE = _int_env("UPLOAD_MAX_FORM_MEMORY_SIZE", 16 * 1024 * 1024)

    # The trainer studio (app/studio): where staged and published course revisions are kept
    # (default INSTANCE_DIR/studio, set in __init__), and how large an uploaded course archive
    # may be, packed and unpacked, and how many files it may hold (app.studio.archive).
    STUDIO_MAX_UPLOAD_MB = _int_env("STUDIO_MAX_UPLOAD_MB", 50)
    STUDIO_MAX_UNPACKED_MB = _int_env("STUDIO_MAX_UNPACKED_MB", 200)
    STUDIO_MAX_FILES = _int_env("STUDIO_MAX_FILES", 5000)
    # The course repository that `POST /studio/hooks/git` pulls when a signed delivery arrives.
    GIT_COURSES_URL = os.environ.get("GIT_COURSES_URL", "")
    GIT_COURSES_REF = os.environ.get("GIT_COURSES_REF", "")
    GIT_COURSES_PATH = os.environ.get("GIT_COURSES_PATH", "")
    GIT_COURSES_PUBLISH = os.environ.get("GIT_COURSES_PUBLISH", "") in ("1", "true", "yes")
    GIT_TIMEOUT_SECONDS = _int_env("GIT_TIMEOUT_SECONDS", 60)

    # Offline training claims (app/claims): the largest evidence file a learner may upload (its
    # page alone takes a body of this size, plus room for the form around the file), and the
    # most credit hours one claim may ask for. The files live in EVIDENCE_DIR (default
    # INSTANCE_DIR/evidence, set in __init__).
    EVIDENCE_MAX_MB = _int_env("EVIDENCE_MAX_MB", 10)
    CLAIM_MAX_HOURS = _float_env("CLAIM_MAX_HOURS", 40)

    # Certificates (app/certificates): the site address printed in their QR codes (empty: the
    # scheme and host of the request that makes the PDF), and the throttle of /verify/<code>:
    # an address that tried this many unknown codes within the window waits until it passes.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
    VERIFY_MAX_MISSES = _int_env("VERIFY_MAX_MISSES", 10)
    VERIFY_WINDOW_MINUTES = _int_env("VERIFY_WINDOW_MINUTES", 10)

    LANGUAGES = ("en", "zh")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("TIMEZONE", "Asia/Shanghai")
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")

    def __init__(self) -> None:
        self.INSTANCE_DIR = str(INSTANCE_DIR)
        # Empty: the `studio` folder of whatever INSTANCE_DIR the app ends up with.
        self.STUDIO_DIR = os.environ.get("STUDIO_DIR", "")
        # Empty: the `evidence` folder of whatever INSTANCE_DIR the app ends up with.
        self.EVIDENCE_DIR = os.environ.get("EVIDENCE_DIR", "")
        self.GIT_WEBHOOK_SECRET = os.environ.get("GIT_WEBHOOK_SECRET", "")
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or (
            f"sqlite:///{INSTANCE_DIR / 'academy.db'}"
        )
        # Host names the site answers to (a leading dot matches any subdomain). A request naming
        # another host gets 400, so a forged Host header never reaches a redirect, a link in a
        # mail or a cache. Required in production.
        hosts = os.environ.get("TRUSTED_HOSTS", "").split(",")
        self.TRUSTED_HOSTS = [host.strip() for host in hosts if host.strip()] or None
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or self.fallback_secret_key()
        self.check_secret_key(self.SECRET_KEY)

    def check_secret_key(self, key: str) -> None:
        """Refuse a key that can be guessed: it signs every session cookie and sealed form."""
        if len(key.encode("utf-8")) < MIN_SECRET_KEY_BYTES:
            raise RuntimeError(
                f"SECRET_KEY is shorter than {MIN_SECRET_KEY_BYTES} bytes. Set it to a long random"
                " value, for example the output of"
                " `python -c 'import secrets; print(secrets.token_hex(32))'`."
            )
        if key in KNOWN_SECRET_KEYS:
            raise RuntimeError(
                "SECRET_KEY is a published value. Set it to a long random value of your own."
            )

    def fallback_secret_key(self) -> str:
        """Production never invents a key: sessions would die with every restart or worker."""
        raise RuntimeError(
            "SECRET_KEY is not set. Set it to a long random value, for example the output of "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`."
        )


class DevelopmentConfig(Config):
    """Local development: plain HTTP cookies and a key generated once and kept in instance/."""

    ENV_NAME = "development"
    DEBUG = True
    SESSION_COOKIE_SECURE = False
    # The demo accounts sign in with their password alone unless the variable is set.
    MFA_REQUIRED_ROLES = _roles_env("MFA_REQUIRED_ROLES", "")

    def fallback_secret_key(self) -> str:
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        key_file = INSTANCE_DIR / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        return key_file.read_text().strip()


class ProductionConfig(Config):
    """Production: secure cookies, a SECRET_KEY and the site's host names that must be given."""

    # `__Host-` makes the browser refuse the cookie unless it is Secure, for the whole site and
    # set by this exact host, so a sibling subdomain cannot plant or overwrite a session.
    SESSION_COOKIE_NAME = "__Host-academy_session"

    def __init__(self) -> None:
        super().__init__()
        if not self.TRUSTED_HOSTS:
            raise RuntimeError(
                "TRUSTED_HOSTS is not set. Set it to the host names the site is reached by,"
                " separated by commas, for example `academy.example.gov.cn`."
            )


class TestingConfig(Config):
    """The test suite: its own database, a fixed key, CSRF still on (tests prove it)."""

    ENV_NAME = "testing"
    TESTING = True
    SESSION_COOKIE_SECURE = False
    # Tests about the second factor set it on their app; the others sign in with a password.
    MFA_REQUIRED_ROLES = _roles_env("MFA_REQUIRED_ROLES", "")

    def __init__(self) -> None:
        super().__init__()
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or (
            f"sqlite:///{INSTANCE_DIR / 'test.db'}"
        )

    def fallback_secret_key(self) -> str:
        # Random per test run (stable within it), so no key in the repository ever signs a
        # cookie, even if someone starts a server with ACADEMY_ENV=testing.
        return _TEST_RUN_KEY


CONFIGS = {
    "production": ProductionConfig,
    "development": DevelopmentConfig,
    "testing": TestingConfig,
}


def config_from_env() -> Config:
    """Build the configuration named by ACADEMY_ENV (default: production)."""
    name = os.environ.get("ACADEMY_ENV", "production")
    try:
        return CONFIGS[name]()
    except KeyError:
        raise RuntimeError(f"ACADEMY_ENV={name!r} is not one of {', '.join(CONFIGS)}.") from None
