"""A lab records a verification in the browser, and the enterprise sees its instrument's status change."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from registry.demo.services import DEMO_TODAY
from tests.browser.helpers import LiveServer, log_in

pytestmark = pytest.mark.browser


def test_a_lab_records_a_verification_and_the_enterprise_sees_the_status_change(
    page: Page, browser: Browser, live_server: LiveServer, artifacts: Path, browser_problems: list[str]
) -> None:
    # The water company finds one of its meters that has never been verified.
    log_in(page, live_server, "manager@water.demo")
    page.goto(live_server("/instruments/?status=never&type_code=WATER_METER_MECH"))
    first = page.get_by_test_id("items").locator("tbody tr").first
    first.get_by_role("link").first.click()
    expect(page.get_by_test_id("status")).to_contain_text("Chưa kiểm định/hiệu chuẩn")
    meter_url = page.url
    serial = page.get_by_test_id("fields").locator("dd").nth(2).inner_text().strip()

    # The lab looks it up by owner and serial number and records a passed periodic verification.
    lab = browser.new_context(viewport={"width": 1440, "height": 900})
    lab_page = lab.new_page()
    lab_page.on("console", lambda m: browser_problems.append(m.text) if m.type == "error" else None)
    log_in(lab_page, live_server, "technician@lab.demo")
    lab_page.goto(live_server("/instruments/lookup"))
    lab_page.locator("input[name=owner]").fill("CTN-KT")
    lab_page.locator("input[name=serial_number]").fill(serial)
    lab_page.locator("input[name=serial_number]").press("Enter")
    lab_page.get_by_test_id("results").get_by_role("link", name="Ghi nhận kết quả").click()
    lab_page.locator("select[name=kind]").select_option("verification_periodic")
    lab_page.locator("input[name=performed_on]").fill(DEMO_TODAY.isoformat())
    lab_page.locator("select[name=result]").select_option("pass")
    lab_page.locator("input[name=certificate_number]").fill("2026/GCN-TRÌNH-DUYỆT")
    lab_page.locator("input[name=stamp_number]").fill("T26-999999")
    lab_page.locator("input[name=verifier_card]").fill("KĐV-0231")
    lab_page.locator("input[name='points-0-nominal']").fill("1,5")
    lab_page.locator("input[name='points-0-as_found']").fill("1,52")
    lab_page.locator("input[name='points-0-unit']").fill("m³/h")
    lab_page.screenshot(path=artifacts / "event-form-lab.png", full_page=True)
    lab_page.locator("main form").get_by_role("button", name="Ghi nhận").click()
    expect(lab_page.locator(".alert-success")).to_contain_text("Đã ghi nhận")
    expect(lab_page.get_by_test_id("valid-until")).not_to_be_empty()
    lab_page.screenshot(path=artifacts / "event-recorded-lab.png", full_page=True)
    lab.close()

    # The water company sees its meter valid, with the event on the meter's page.
    page.goto(meter_url)
    expect(page.get_by_test_id("status")).to_contain_text("Còn hiệu lực")
    expect(page.get_by_test_id("events")).to_contain_text("2026/GCN-TRÌNH-DUYỆT")
    page.screenshot(path=artifacts / "event-seen-by-enterprise.png", full_page=True)
    assert not browser_problems, "\n".join(browser_problems)
