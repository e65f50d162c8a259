"""The academy: a Flask application factory that only wires things together."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from config import Config, config_from_env

ROOT = Path(__file__).resolve().parent.parent
csrf = CSRFProtect()


def create_app(config: Config | dict[str, Any] | None = None) -> Flask:
    """Create the app. With no argument the configuration comes from the environment."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    if isinstance(config, dict):
        app.config.from_object(config_from_env())
        app.config.update(config)
    else:
        app.config.from_object(config or config_from_env())

    from app import cli, i18n
    from app.auth import sessions
    from app.db import db
    from app.errors import denials
    from app.errors import init_app as init_errors
    from app.web import headers, input_guard, request_limits

    db.init_app(app)
    request_limits.init_app(app)
    input_guard.init_app(app)  # before every other hook, so none of them sees a NUL
    csrf.init_app(app)
    sessions.init_app(app)
    i18n.init_app(app)
    app.jinja_env.add_extension("jinja2.ext.do")
    headers.init_app(app)
    init_errors(app)
    denials.init_app(app)

    from app.admin import (
        audit_pages,  # noqa: F401  (adds the audit log to the admin pages)
        course_editors,  # noqa: F401  (adds the course editors pages)
        credit_rules_pages,  # noqa: F401  (adds the credit rules page)
    )
    from app.admin import routes as admin
    from app.assignments import routes as assignments
    from app.auth import (
        activation,  # noqa: F401  (adds /activate to the auth blueprint)
        session_pages,  # noqa: F401  (adds ending one's other sessions to auth)
    )
    from app.auth import routes as auth
    from app.auth import security_pages as _second_factor  # noqa: F401  (pages and gate)
    from app.certificates import admin_pages as _certificate_admin  # noqa: F401  (revoking)
    from app.certificates import hr_pages as _transcripts  # noqa: F401  (HR's transcript.pdf)
    from app.certificates import routes as certificates
    from app.claims import review_pages as _claim_review  # noqa: F401  (HR's claim pages)
    from app.claims import routes as claims
    from app.credits import routes as credits
    from app.learning import routes as learning
    from app.main import routes as main
    from app.quiz import routes as quiz
    from app.reports import (
        implausible_pages,  # noqa: F401  (adds the "look at these" page)
        record_pages,  # noqa: F401  (adds the learner record to reports)
    )
    from app.reports import routes as reports
    from app.studio import editing as _editing  # noqa: F401  (the browser editor)
    from app.studio import hooks as _git_hook  # noqa: F401  (adds /studio/hooks/git)
    from app.studio import preview as _preview  # noqa: F401  (preview of a revision)
    from app.studio import publishing as _publishing  # noqa: F401  (publish, discard)
    from app.studio import question_banks as _banks  # noqa: F401  (GIFT import)
    from app.studio import routes as studio
    from app.studio import statistics as _statistics  # noqa: F401  (question statistics)

    for blueprint in (
        main.bp,
        auth.bp,
        learning.bp,
        admin.bp,
        assignments.bp,
        quiz.bp,
        reports.bp,
        studio.bp,
        credits.bp,
        certificates.bp,
        claims.bp,
    ):
        app.register_blueprint(blueprint)

    cli.init_app(app)
    trusted_proxies = app.config.get("PROXY_FIX_X_FOR", 0)
    if trusted_proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Only as many forwarded addresses as there are proxies are believed: the entries a
        # client writes itself come before those and are ignored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted_proxies, x_proto=trusted_proxies)
    return app
