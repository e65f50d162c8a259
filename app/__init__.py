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

    from app import cli, i18n, security
    from app.auth import sessions
    from app.db import db
    from app.errors import init_app as init_errors

    db.init_app(app)
    csrf.init_app(app)
    sessions.init_app(app)
    i18n.init_app(app)
    app.jinja_env.add_extension("jinja2.ext.do")
    security.init_app(app)
    init_errors(app)

    from app.admin import bp as admin_bp
    from app.assignments import bp as assignments_bp
    from app.auth import bp as auth_bp
    from app.learning import bp as learning_bp
    from app.main import bp as main_bp
    from app.quiz import bp as quiz_bp
    from app.reports import bp as reports_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(learning_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(assignments_bp)
    app.register_blueprint(quiz_bp)
    app.register_blueprint(reports_bp)

    cli.init_app(app)
    return app
