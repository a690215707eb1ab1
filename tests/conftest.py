"""Test set-up: one migrated database per test session (SQLite, or PostgreSQL when ``DATABASE_URL`` says
so), and each test inside a transaction that is rolled back, as Warehouse does."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import orm

from registry import create_app
from registry.api import limits
from registry.auth.models import Role, User
from registry.extensions import db
from registry.organisations.models import Organisation
from tests.factories import OrganisationFactory, lab_with_credentials, user_with_role
from tests.helpers import AuthActions, IsolatedClient, admin_unit


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests about one database's own behaviour run on that database only."""
    other = "sqlite_only" if os.environ.get("DATABASE_URL", "").startswith("postgresql") else "postgres_only"
    deselected = [item for item in items if item.get_closest_marker(other)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker(other)]


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
def live_database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[str]:
    """A second database, empty, for a live server: what it stores is committed, never rolled back."""
    base_url = os.environ.get("DATABASE_URL", "")
    if base_url.startswith("postgresql"):
        yield from _postgres_database(base_url, f"{worker_id}_live")
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('live-db') / 'registry.sqlite3'}"


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
def _transaction(
    request: pytest.FixtureRequest, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Run the test in an app context, every session bound to one connection whose transaction is
    rolled back afterwards. Commits inside the test release savepoints only. The API's rate-limit
    counters, which production writes in a transaction of their own on a connection of their own, are
    written in a savepoint of that connection, released at once (so a request rolled back still counts).

    Not for a ``live_server`` test: swapping the process-wide ``db.session`` would hand the live
    server's request threads this test's connection instead of their own database's. Nor for a
    ``real_commits`` test, whose applications commit on connections of their own: this one would hold
    SQLite's write lock all along."""
    if request.node.get_closest_marker("live_server") or request.node.get_closest_marker("real_commits"):
        yield
        return
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = orm.scoped_session(  # type: ignore[misc]
            orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_ctx_id,
        )

        @contextmanager
        def savepoint() -> Iterator[sa.Connection]:
            with connection.begin_nested():
                yield connection

        monkeypatch.setattr(limits, "counter_transaction", savepoint)
        try:
            yield
        finally:
            db.session.remove()
            if transaction.is_active:
                transaction.rollback()
            connection.close()
            db.session = original  # type: ignore[misc]


@pytest.fixture
def separate_database(database_url: str, worker_id: str, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """``separate_database(name)``: the URL of a new, empty database of the suite's kind (a SQLite file,
    or a PostgreSQL database beside ``DATABASE_URL``'s), dropped after the test. For tests whose work must
    be committed — a backup, a migration — which the per-test rollback would undo."""
    with ExitStack() as stack:

        def make(name: str) -> str:
            if database_url.startswith("postgresql"):
                new = contextmanager(_postgres_database)(os.environ["DATABASE_URL"], f"{worker_id}_{name}")
                return stack.enter_context(new)
            return f"sqlite:///{tmp_path / f'{name}.sqlite3'}"

        yield make


@pytest.fixture
def committing_sessions(_transaction: None) -> Iterator[None]:
    """Flask-SQLAlchemy's own sessions — one per app context, committed for real — instead of the test's
    rolled-back one, for work on the app of a ``separate_database`` (never on the suite's app)."""
    rolled_back = db.session
    db.session = db._make_scoped_session({})  # type: ignore[misc]
    try:
        yield
    finally:
        db.session.remove()
        db.session = rolled_back  # type: ignore[misc]


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
        token = create_api_token(user, user)
        db.session.commit()
        app.test_client_class = IsolatedClient
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return client

    return make


@pytest.fixture
def cli(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def english(app: Flask) -> Iterator[None]:
    """Messages rendered outside a request (service calls in a test) in English instead of the
    default Vietnamese, for tests that read them."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield


# --- Organisations, and users by role: the Department's admin and officer each of a new Department, the
# enterprise's of ``enterprise``, the lab's of ``lab``. The users are committed, as users are before they
# act: a test that rolls back its own work keeps them.


@pytest.fixture
def enterprise() -> Organisation:
    """An enterprise with its seat in Kon Tum city (administrative unit 608)."""
    return OrganisationFactory(
        code="XD-KT",
        name="Công ty Xăng dầu Kon Tum",
        address="Số 1 Phan Đình Phùng",
        admin_unit=admin_unit("608"),
    )


@pytest.fixture
def lab() -> Organisation:
    """A lab with every credential an event needs (see ``tests.factories.give_credentials``)."""
    return lab_with_credentials(code="TTKT-TEST")


def _committed(user: User) -> User:
    db.session.commit()
    return user


@pytest.fixture
def department_admin() -> User:
    return _committed(user_with_role(Role.DEPARTMENT_ADMIN))


@pytest.fixture
def department_officer() -> User:
    return _committed(user_with_role(Role.DEPARTMENT_OFFICER))


@pytest.fixture
def enterprise_manager(enterprise: Organisation) -> User:
    return _committed(user_with_role(Role.ENTERPRISE_MANAGER, enterprise))


@pytest.fixture
def enterprise_viewer(enterprise: Organisation) -> User:
    return _committed(user_with_role(Role.ENTERPRISE_VIEWER, enterprise))


@pytest.fixture
def lab_technician(lab: Organisation) -> User:
    return _committed(user_with_role(Role.PROVIDER_TECHNICIAN, lab))


@pytest.fixture
def new_lab_manager() -> User:
    """The manager of a new lab, which holds no credentials yet (unlike ``lab``)."""
    return _committed(user_with_role(Role.PROVIDER_MANAGER))


# --- Clients acting as one of those users


@pytest.fixture
def department_admin_api(api: Any, department_admin: User) -> FlaskClient:
    return api(department_admin)


@pytest.fixture
def department_officer_client(
    client: FlaskClient, auth: AuthActions, department_officer: User
) -> FlaskClient:
    """``client``, logged in as ``department_officer``."""
    auth.login(department_officer.email)
    return client
