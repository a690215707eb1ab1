"""Each role's main registry page in the demo, in Vietnamese: what it finds, and what it must not see."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import LiveServer, log_in

pytestmark = pytest.mark.browser


def test_a_department_officer_searches_every_owners_instruments_ignoring_diacritics(
    page: Page, live_server: LiveServer, artifacts: Path, browser_problems: list[str]
) -> None:
    log_in(page, live_server, "officer@skhcn.demo")
    page.goto(live_server("/instruments/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Phương tiện đo")
    table = page.get_by_test_id("items")
    expect(page.get_by_test_id("total")).to_contain_text("576")  # every owner's instruments
    # "xang dau" without diacritics finds the fuel companies' instruments ("Xăng dầu").
    page.locator("input[name=q]").fill("xang dau hung thinh")
    page.locator("input[name=q]").press("Enter")
    expect(table).to_contain_text("Doanh nghiệp tư nhân Xăng dầu Hưng Thịnh")
    expect(table).not_to_contain_text("Cấp thoát nước")
    page.screenshot(path=artifacts / "instruments-officer.png", full_page=True)
    assert not browser_problems, "\n".join(browser_problems)


def test_a_lab_manager_sees_its_standards_and_credentials_but_no_other_lab(
    page: Page, live_server: LiveServer, artifacts: Path, browser_problems: list[str]
) -> None:
    log_in(page, live_server, "manager@lab.demo")
    page.goto(live_server("/standards/"))
    table = page.get_by_test_id("items")
    expect(table).to_contain_text("Bộ quả cân chuẩn F1")
    expect(table).not_to_contain_text("Quả cân chuẩn E2")  # QUATEST 3's standard
    page.goto(live_server("/organisations/TTKT-KT"))
    expect(page.get_by_test_id("credentials")).to_contain_text("VILAS 216")
    page.screenshot(path=artifacts / "lab-organisation.png", full_page=True)
    response = page.goto(live_server("/organisations/QUATEST3"))
    assert response is not None and response.status == 404
    assert not [problem for problem in browser_problems if "404" not in problem], "\n".join(browser_problems)


def test_an_enterprise_manager_sees_only_its_own_instruments(
    page: Page, live_server: LiveServer, artifacts: Path, browser_problems: list[str]
) -> None:
    log_in(page, live_server, "manager@water.demo")
    page.goto(live_server("/instruments/"))
    table = page.get_by_test_id("items")
    expect(table).to_contain_text("Itron")
    expect(table).not_to_contain_text("Tatsuno")  # the fuel company's dispensers
    expect(page.get_by_test_id("total")).to_contain_text("130")
    page.screenshot(path=artifacts / "instruments-enterprise.png", full_page=True)
    assert not browser_problems, "\n".join(browser_problems)
