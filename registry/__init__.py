"""The metrology registry web application."""

from __future__ import annotations

import functools
from typing import Any

from flask import Flask, has_request_context, request
from sqlalchemy import event
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
    from registry.events.suspects.api import blp as suspects_api
    from registry.events.suspects.views import bp as suspects_bp
    from registry.events.views import bp as events_bp
    from registry.home.views import bp as home_bp
    from registry.imports.views import bp as imports_bp
    from registry.items.api import instruments_blp, reference_materials_blp, standards_blp
    from registry.items.views import bp as items_bp
    from registry.notifications.api import blp as notifications_api
    from registry.notifications.views import bp as notifications_bp
    from registry.organisations.api import blp as organisations_api
    from registry.organisations.credentials.api import blp as credentials_api
    from registry.organisations.credentials.views import bp as credentials_bp
    from registry.organisations.views import bp as organisations_bp
    from registry.plan.api import blp as activities_api
    from registry.plan.api import indicators_blp as indicators_api
    from registry.plan.views import bp as plan_bp
    from registry.public.api import blp as public_api
    from registry.public.printing import bp as printing_bp
    from registry.public.views import bp as public_bp
    from registry.users.views import bp as users_bp

    for blueprint in (
        auth_bp,
        catalogue_bp,
        home_bp,
        items_bp,
        organisations_bp,
        credentials_bp,
        events_bp,
        suspects_bp,
        public_bp,
        printing_bp,
        plan_bp,
        notifications_bp,
        imports_bp,
        users_bp,
    ):
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
            suspects_api,
            public_api,
            activities_api,
            indicators_api,
            notifications_api,
        ],
    )


def _init_extensions(app: Flask) -> None:
    # Import every model so that metadata (and Alembic's autogenerate) sees all tables.
    from registry import models  # noqa: F401

    db.init_app(app)
    _init_sqlite(app)
    migrate.init_app(app, db, directory=str(config_module.BASE_DIR / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)

    from registry.i18n import init_babel

    init_babel(app)

    from registry.auth.login import init_login

    init_login(app)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _init_sqlite(app: Flask) -> None:
    """SQLite has two writers, the web workers and the scheduler: WAL (readers never wait for a writer),
    a busy timeout (a writer waits for the other instead of failing with "database is locked"), and
    write transactions that take the write lock when they begin (see :func:`_sqlite_begin`)."""
    with app.app_context():
        engines = [engine for engine in db.engines.values() if engine.dialect.name == "sqlite"]
    for engine in engines:
        event.listen(
            engine, "connect", functools.partial(_sqlite_connect, app.config["SQLITE_BUSY_TIMEOUT_MS"])
        )
        event.listen(engine, "begin", _sqlite_begin)


def _sqlite_connect(busy_timeout_ms: int, dbapi_connection: Any, connection_record: Any) -> None:
    """Let SQLAlchemy own transactions so savepoints work (a pysqlite quirk); WAL, persistent in the file
    (an in-memory database keeps its own mode); the busy timeout; foreign keys on."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    """A request that only reads (GET, HEAD, OPTIONS) begins a plain transaction: under WAL it reads a
    snapshot and waits for no one. Every other transaction (a POST, PATCH…, a command, a job, the demo
    loader, a migration) may write, so it begins IMMEDIATE: it takes the write lock at once, waiting up to
    the busy timeout for another writer to commit, and then reads what that writer committed. A deferred
    transaction that read first could not take the lock later if another writer had committed meanwhile:
    SQLite answers "database is locked" at once, and no timeout helps. A connection given the execution
    option ``writes=True`` (the API's rate-limit counter) writes whatever the request's method."""
    reads_only = (
        has_request_context()
        and request.method in SAFE_METHODS
        and not conn.get_execution_options().get("writes", False)
    )
    conn.exec_driver_sql("BEGIN" if reads_only else "BEGIN IMMEDIATE")
