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


LISTS = (
    "/instruments/",
    "/instruments/?status=overdue",
    "/standards/",
    "/reference-materials/",
    "/events/",
    "/organisations/",
    "/notifications/",
)


@pytest.mark.parametrize("context", [390], indirect=True)
def test_the_lists_and_their_next_pages_fit_a_phone_in_both_languages(
    page: Page, live_server: LiveServer, browser_problems: list[str]
) -> None:
    log_in(page, live_server, "admin@skhcn.demo")
    wider = []
    for language in ("vi", "en"):
        # The navbar's language buttons are folded into its menu on a phone: the form is submitted as is.
        with page.expect_navigation():
            page.evaluate(f"document.querySelector('#language-form button[value={language}]').click()")
        for path in LISTS:
            page.goto(live_server(path))
            assert page.evaluate("document.documentElement.lang") == language
            shown = [page.url]
            following = page.get_by_test_id("next-page")
            if following.count() and following.get_attribute("href") != "#":
                with page.expect_navigation():
                    following.click()
                shown.append(page.url)
            for url in shown:
                page.goto(url)
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > 390:
                    wider.append(f"{language} {url}: {width} px")
    assert not wider, wider
    assert not browser_problems, "\n".join(browser_problems)
