"""Plain helpers shared by the browser tests; their fixtures are in tests/browser/conftest.py."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from werkzeug.serving import BaseWSGIServer

from registry.demo.services import DEMO_PASSWORD


class LiveServer:
    def __init__(self, server: BaseWSGIServer) -> None:
        self.server = server
        self.url = f"http://{server.host}:{server.port}"

    def __call__(self, path: str = "/") -> str:
        return self.url + path


def log_in(page: Page, live_server: LiveServer, email: str) -> None:
    """Logs in as a demo user through the login page, and waits for the home page."""
    page.goto(live_server("/login"))
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main").get_by_role("button").click()
    expect(page).to_have_url(live_server("/"))
