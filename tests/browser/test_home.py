"""Logging in through the real page, and switching the interface from Vietnamese to English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from registry.demo.services import DEMO_PASSWORD
from tests.browser.helpers import LiveServer

pytestmark = pytest.mark.browser


def test_login_then_switch_the_home_page_to_english(
    page: Page, live_server: LiveServer, artifacts: Path, browser_problems: list[str]
) -> None:
    page.goto(live_server("/login"))
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.locator("input[name=email]").fill("admin@skhcn.demo")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main").get_by_role("button").click()

    expect(page).to_have_url(live_server("/"))
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    nav = page.locator("nav.navbar")
    expect(nav.get_by_role("link", name="Trang chủ", exact=True)).to_be_visible()
    expect(page.get_by_test_id("current-user")).to_contain_text("admin@skhcn.demo")
    expect(page.get_by_test_id("panel-department")).to_be_visible()
    # Bootstrap's stylesheet is applied (the CSP allows only same-origin styles): a blue navbar.
    expect(nav).to_have_css("background-color", "rgb(13, 110, 253)")
    page.screenshot(path=artifacts / "home-vi.png", full_page=True)

    nav.get_by_role("button", name="English", exact=True).click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(live_server("/"))
    expect(nav.get_by_role("link", name="Home", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Trang chủ")).to_have_count(0)
    expect(nav.get_by_role("button", name="English", exact=True)).to_have_class(re.compile(r"\bactive\b"))
    expect(page.get_by_test_id("panel-department")).to_contain_text("Department of Science and Technology")
    page.screenshot(path=artifacts / "home-en.png", full_page=True)

    assert not browser_problems, "\n".join(browser_problems)
