"""Test set-up: one migrated database per test session (SQLite, or PostgreSQL when ``DATABASE_URL`` says
so), and each test inside a transaction that is rolled back, as Warehouse does."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import orm

from registry import create_app
from registry.extensions import db
from tests.helpers import AuthActions, IsolatedClient


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile the translations (as `make test` does) so a bare `pytest` sees them too."""
    from babel.messages.frontend import CommandLineInterface

    translations = Path(__file__).resolve().parent.parent / "registry" / "translations"
    CommandLineInterface().run(["pybabel", "-q", "compile", "-d", str(translations)])


def _postgres_database(base_url: str, worker: str) -> Iterator[str]:
    """A fresh database beside the one ``DATABASE_URL`` names, so the suite never touches its data."""
    url = sa.make_url(base_url)
    name = re.sub(r"\W", "_", f"{url.database}_pytest_{worker}")
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[str]:
    base_url = os.environ.get("DATABASE_URL", "")
    if base_url.startswith("postgresql"):
        yield from _postgres_database(base_url, worker_id)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'registry.sqlite3'}"


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    application = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with application.app_context():
        flask_migrate.upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture(autouse=True)
def _transaction(app: Flask) -> Iterator[None]:
    """Run the test in an app context, every session bound to one connection whose transaction is
    rolled back afterwards. Commits inside the test release savepoints only."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = orm.scoped_session(  # type: ignore[misc]
            orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_ctx_id,
        )
        try:
            yield
        finally:
            db.session.remove()
            if transaction.is_active:
                transaction.rollback()
            connection.close()
            db.session = original  # type: ignore[misc]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def api(app: Flask) -> Any:
    """``api(user)`` gives a client whose requests carry that user's bearer token."""
    from registry.auth.services import create_api_token

    def make(user: Any) -> FlaskClient:
        token = create_api_token(user)
        db.session.commit()
        app.test_client_class = IsolatedClient
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return client

    return make


@pytest.fixture
def english(app: Flask) -> Iterator[None]:
    """Messages rendered outside a request (service calls in a test) in English instead of the
    default Vietnamese, for tests that read them."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield


@pytest.fixture
def lab() -> Any:
    """A lab with every credential an event needs (see ``tests.factories.give_credentials``)."""
    from tests.factories import lab_with_credentials

    return lab_with_credentials(code="TTKT-TEST")


@pytest.fixture
def technician(lab: Any) -> Any:
    """A technician of ``lab``."""
    from registry.auth.models import Role
    from tests.factories import user_with_role

    return user_with_role(Role.PROVIDER_TECHNICIAN, organisation=lab)
