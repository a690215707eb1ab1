"""On a phone (390 px wide) the registry's pages fit the screen: tables become cards, nothing scrolls
sideways."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.helpers import LiveServer, log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("context", "email", "pages"),
    [
        (
            390,
            "admin@skhcn.demo",
            ["/organisations/", "/organisations/TTKT-KT", "/catalogue/WATER_METER_MECH", "/plan/"],
        ),
        (390, "manager@water.demo", ["/instruments/?q=MUL14-00001", "/events/"]),
    ],
    indirect=["context"],
    ids=["department", "enterprise"],
)
def test_pages_fit_a_phone_screen(
    page: Page,
    live_server: LiveServer,
    artifacts: Path,
    browser_problems: list[str],
    email: str,
    pages: list[str],
) -> None:
    log_in(page, live_server, email)
    wider = []  # and other problems of layout
    for path in pages:
        page.goto(live_server(path))
        if path.startswith("/instruments/?"):
            # The instrument's own page, with its events and history.
            page.get_by_test_id("items").get_by_role("link").first.click()
            page.wait_for_url(re.compile(r".*/instruments/\d+$"))
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            wider.append(f"{page.url}: {width} px")
        # A label with nothing recorded keeps a line of its own (a dash), never floats over the next value.
        collapsed = page.evaluate(
            "[...document.querySelectorAll('dl.row > dd')].filter(dd => !dd.getBoundingClientRect().height)"
            ".map(dd => dd.previousElementSibling.textContent)"
        )
        if collapsed:
            wider.append(f"{page.url}: empty values without a dash: {collapsed}")
        name = path.strip("/").replace("/", "-").replace("?", "-")[:30]
        page.screenshot(path=artifacts / f"phone-{email.split('@')[0]}-{name}.png", full_page=True)
    assert not wider, wider
    assert not browser_problems, "\n".join(browser_problems)
