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
    from app.errors import init_app as init_errors
    from app.web import headers

    db.init_app(app)
    csrf.init_app(app)
    sessions.init_app(app)
    i18n.init_app(app)
    app.jinja_env.add_extension("jinja2.ext.do")
    headers.init_app(app)
    init_errors(app)

    from app.admin import routes as admin
    from app.assignments import routes as assignments
    from app.auth import activation  # noqa: F401  (adds /activate to the auth blueprint)
    from app.auth import routes as auth
    from app.auth import security_pages as _second_factor  # noqa: F401  (pages and gate)
    from app.learning import routes as learning
    from app.main import routes as main
    from app.quiz import routes as quiz
    from app.reports import record_pages  # noqa: F401  (adds the learner record to reports)
    from app.reports import routes as reports

    for blueprint in (main.bp, auth.bp, learning.bp, admin.bp, assignments.bp, quiz.bp, reports.bp):
        app.register_blueprint(blueprint)

    cli.init_app(app)
    return app
