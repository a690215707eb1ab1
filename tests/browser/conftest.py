"""Browser tests: the real application served over HTTP, driven by Debian's Chromium through Playwright.

The live server has its own application object and its own SQLite file, migrated and loaded with the
demo data; it does not share the rolled-back test transaction of ``tests/conftest.py``. Browser tests
run on SQLite only, so they are deselected when ``DATABASE_URL`` names PostgreSQL.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    sync_playwright,
)
from werkzeug.serving import make_server

from registry import create_app
from registry.auth.system import system_transaction
from registry.demo.services import load_demo
from registry.extensions import db
from tests.browser.helpers import LiveServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        return
    deselected = [item for item in items if item.get_closest_marker("browser")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("browser")]


@pytest.fixture(autouse=True)
def _transaction() -> Iterator[None]:
    """Overrides the suite's rolled-back transaction: that fixture swaps the process-wide
    ``db.session`` for one bound to the test database, which the live server's request threads would
    then use instead of their own database. Browser tests only talk to the server over HTTP."""
    yield


@contextmanager
def demo_server(database: Path) -> Iterator[LiveServer]:
    """The application served over HTTP on a SQLite file of its own, migrated and loaded with the demo."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    with app.app_context():
        flask_migrate.upgrade()
        # As `flask demo load` does: the system acting as "demo", in one committed transaction.
        with system_transaction("demo") as actor:
            load_demo(actor)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with demo_server(tmp_path_factory.mktemp("live") / "registry.sqlite3") as server:
        yield server


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A demo server for one module alone: for tests that add what the others count (an import adds
    instruments to the Department's totals)."""
    with demo_server(tmp_path_factory.mktemp("own") / "registry.sqlite3") as server:
        yield server


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def context(browser: Browser, request: pytest.FixtureRequest) -> Iterator[BrowserContext]:
    # A common office screen; below 1400 px the Vietnamese navbar folds into its menu button. A test
    # parametrised indirectly over "context" gives another width (390: a phone).
    width = getattr(request, "param", 1440)
    fresh = browser.new_context(viewport={"width": width, "height": 900})
    try:
        yield fresh
    finally:
        fresh.close()


@pytest.fixture
def browser_problems() -> list[str]:
    """Console errors (CSP violations among them), uncaught exceptions and failed requests."""
    return []


@pytest.fixture
def page(context: BrowserContext, browser_problems: list[str]) -> Iterator[Page]:
    tab = context.new_page()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            browser_problems.append(f"console error: {message.text} ({message.location.get('url', '')})")

    def on_request_failed(request: Request) -> None:
        # Aborted by the page itself: a link followed while a script was still loading, or a download
        # ending its navigation. Nothing a user sees; a missing file answers 404 instead.
        if request.failure != "net::ERR_ABORTED":
            browser_problems.append(f"request failed: {request.url} ({request.failure})")

    tab.on("console", on_console)
    tab.on("pageerror", lambda error: browser_problems.append(f"page error: {error}"))
    tab.on("requestfailed", on_request_failed)
    try:
        yield tab
    finally:
        tab.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
