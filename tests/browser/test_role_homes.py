"""Each role's home page in the demo, at an office screen's width and a phone's: the Department finds the
inspection list of a district and downloads it; a lab opens its work queue and goes to the record form of
an item in one click; an enterprise reads what needs action. Read-only: the demo database is shared."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser.helpers import LiveServer, log_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _fits_a_phone(page: Page, artifacts: Path, name: str) -> list[str]:
    """Screenshots of the current page at 1440 px and at 390 px; what scrolls sideways on the phone."""
    page.screenshot(path=artifacts / f"{name}-1440.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=artifacts / f"{name}-390.png", full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})
    return [f"{page.url}: {width} px wide at 390 px"] if width > PHONE["width"] else []


def test_the_department_finds_a_districts_inspection_list_and_downloads_it(
    page: Page, live_server: LiveServer, artifacts: Path, browser_problems: list[str]
) -> None:
    log_in(page, live_server, "officer@skhcn.demo")
    summary = page.get_by_test_id("inspection-summary")
    expect(summary).to_contain_text("Danh sách cần kiểm tra")
    wider = _fits_a_phone(page, artifacts, "home-department")

    # From the home page, the list of one district (Kon Tum city, where most demo instruments stand).
    summary.locator("select[name=district]").select_option(label="Thành phố Kon Tum")
    summary.get_by_test_id("inspection-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Danh sách cần kiểm tra")
    expect(page).to_have_url(re.compile(r".*/inspection\?district=608$"))
    table = page.get_by_test_id("inspection")
    expect(table.get_by_role("heading", level=2)).to_have_count(1)
    expect(table.get_by_role("heading", level=2)).to_contain_text("Thành phố Kon Tum")
    # Another district through the page's own filter.
    page.locator("select[name=district]").select_option("610")
    page.get_by_test_id("inspection-filter").get_by_role("button", name="Xem").click()
    expect(table.get_by_role("heading", level=2)).to_contain_text("Huyện Đắk Glei")
    page.locator("select[name=district]").select_option("608")
    page.get_by_test_id("inspection-filter").get_by_role("button", name="Xem").click()
    expect(page.get_by_test_id("inspection-total")).to_contain_text("phương tiện đo cần kiểm tra")
    wider += _fits_a_phone(page, artifacts, "inspection-department")

    with page.expect_download() as download:
        page.get_by_test_id("export-xlsx").click()
    assert download.value.suggested_filename.startswith("inspection-")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert "Số sản xuất" in header and "Đơn vị hành chính nơi sử dụng" in header
    assert len(rows) > 1
    statuses = {row[header.index("Tình trạng")] for row in rows[1:]}
    assert statuses <= {"Quá hạn", "Chưa kiểm định/hiệu chuẩn"}, statuses
    places = {row[header.index("Đơn vị hành chính nơi sử dụng")] for row in rows[1:]}
    assert places == {"Thành phố Kon Tum"}, places

    page.goto(live_server("/search?q=CTN-KT"))
    expect(page.get_by_test_id("found-organisations")).to_contain_text("CTN-KT")
    wider += _fits_a_phone(page, artifacts, "search-department")
    assert not wider, wider
    assert not browser_problems, "\n".join(browser_problems)


def test_a_lab_opens_its_work_queue_and_goes_to_the_record_form_of_an_item(
    page: Page, live_server: LiveServer, artifacts: Path, browser_problems: list[str]
) -> None:
    log_in(page, live_server, "technician@lab.demo")
    queue = page.get_by_test_id("work-queue")
    first = queue.locator("li[data-item]").first
    expect(first).to_be_visible()
    title = first.locator("a").first.inner_text()
    serial = title.split(" · ")[-1].strip()
    wider = _fits_a_phone(page, artifacts, "home-lab")

    first.get_by_test_id("record-from-queue").click()
    expect(page).to_have_url(re.compile(r".*/events/new\?.*"))
    expect(page.locator("input[name=serial_number]")).to_have_value(serial)
    expect(page.locator("input[name=owner]")).not_to_have_value("")
    page.screenshot(path=artifacts / "record-from-queue-lab-1440.png", full_page=True)
    assert not wider, wider
    assert not browser_problems, "\n".join(browser_problems)


def test_an_enterprise_reads_what_needs_action_on_its_home_and_its_organisation_page(
    page: Page, live_server: LiveServer, artifacts: Path, browser_problems: list[str]
) -> None:
    log_in(page, live_server, "viewer@water.demo")
    expect(page.get_by_test_id("attention")).to_be_visible()
    expect(page.get_by_test_id("timeline")).to_be_visible()
    expect(page.get_by_test_id("certificates")).to_be_visible()
    wider = _fits_a_phone(page, artifacts, "home-enterprise")

    page.goto(live_server("/organisations/CTN-KT"))
    expect(page.get_by_test_id("organisation-instruments")).to_contain_text("130")
    expect(page.get_by_test_id("contacts")).to_contain_text("manager@water.demo")
    expect(page.get_by_test_id("members")).to_have_count(0)  # a viewer is not a manager
    wider += _fits_a_phone(page, artifacts, "organisation-enterprise")
    assert not wider, wider
    assert not browser_problems, "\n".join(browser_problems)
