"""The demo's standard found out of tolerance in 2025: its lab reads the suspect report, opens an affected
verification and records its impact assessment; the instrument's owner sees the banner."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import LiveServer, log_in

pytestmark = pytest.mark.browser


def test_the_lab_reads_the_suspect_report_and_assesses_an_affected_verification(
    page: Page, live_server: LiveServer, artifacts: Path, browser_problems: list[str]
) -> None:
    log_in(page, live_server, "manager@lab.demo")
    page.goto(live_server("/suspects/"))
    group = page.get_by_test_id("suspect-group").first
    expect(group).to_contain_text("Bình chuẩn kim loại hạng 2, 20 L")
    expect(group).to_contain_text("Chuẩn vượt dung sai khi tiếp nhận")
    page.screenshot(path=artifacts / "suspect-report.png", full_page=True)

    group.get_by_test_id("suspects").locator("tbody tr").first.get_by_role("link").first.click()
    expect(page.get_by_test_id("suspect-banner")).to_contain_text("Kết quả này bị nghi ngờ")
    page.get_by_role("link", name="Đánh giá ảnh hưởng").click()
    page.locator("select[name=decision]").select_option("no_effect")
    page.locator("textarea[name=reason]").fill("Sai số 0,016 L nằm trong dung sai của cột đo")
    page.locator("main form").get_by_role("button", name="Ghi nhận đánh giá").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã đánh giá")
    expect(page.get_by_test_id("assessment")).to_contain_text("Không ảnh hưởng đến kết quả")
    page.screenshot(path=artifacts / "suspect-assessed.png", full_page=True)
    assert not browser_problems, "\n".join(browser_problems)
