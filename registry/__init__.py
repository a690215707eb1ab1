"""The metrology registry web application."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

import config as config_module
from registry.extensions import csrf, db, login_manager, migrate


def create_app(config: type[config_module.Default] | dict[str, Any] | None = None) -> Flask:
    """Build the application. ``config`` is a config class, or a mapping laid over ``config.Test``."""
    app = Flask(__name__, instance_path=str(config_module.INSTANCE_DIR))
    if config is None:
        config_class = config_module.from_environment()
        config_class.check()
        app.config.from_object(config_class)
    elif isinstance(config, dict):
        app.config.from_object(config_module.Test)
        app.config.update(config)
    else:
        config.check()
        app.config.from_object(config)

    if app.config["TRUSTED_PROXY_COUNT"]:
        count = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]

    _init_extensions(app)
    _init_blueprints(app)

    from registry.cli import register_commands

    register_commands(app)
    return app


def _init_blueprints(app: Flask) -> None:
    """Every domain's pages and API endpoints: the one place that knows them all."""
    from registry import web
    from registry.api import init_api
    from registry.auth.views import bp as auth_bp
    from registry.catalogue.api import blp as catalogue_api
    from registry.catalogue.views import bp as catalogue_bp
    from registry.events.api import blp as events_api
    from registry.events.views import bp as events_bp
    from registry.home.views import bp as home_bp
    from registry.items.api import instruments_blp, reference_materials_blp, standards_blp
    from registry.items.views import bp as items_bp
    from registry.organisations.api import blp as organisations_api
    from registry.organisations.credentials.api import blp as credentials_api
    from registry.organisations.credentials.views import bp as credentials_bp
    from registry.organisations.views import bp as organisations_bp

    for blueprint in (auth_bp, catalogue_bp, home_bp, items_bp, organisations_bp, credentials_bp, events_bp):
        app.register_blueprint(blueprint)
    web.init_app(app)
    init_api(
        app,
        [
            organisations_api,
            catalogue_api,
            credentials_api,
            instruments_blp,
            standards_blp,
            reference_materials_blp,
            events_api,
        ],
    )


def _init_extensions(app: Flask) -> None:
    # Import every model so that metadata (and Alembic's autogenerate) sees all tables.
    from registry import models  # noqa: F401

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config_module.BASE_DIR / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)

    from registry.i18n import init_babel

    init_babel(app)

    from registry.auth.login import init_login

    init_login(app)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Foreign keys on, and let SQLAlchemy own transactions so savepoints work (pysqlite quirk)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn: Any) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN")
