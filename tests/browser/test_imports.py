"""An enterprise imports its instrument list from a spreadsheet (issue 14): upload, the preview of every
row, the confirmation, and the imported instrument's page — on an office screen and on a phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from registry.auth import services as auth_services
from registry.auth.models import Role
from registry.auth.system import system_transaction
from registry.demo.services import DEMO_PASSWORD
from registry.organisations.services import find_by_code
from tests.browser.helpers import LiveServer, log_in

pytestmark = pytest.mark.browser

# A manager of a demo enterprise whose account no other browser test uses, on a server of this module's
# own (the import adds instruments that the other tests' totals do not expect).
EMAIL = "manager@petrolimex.demo"


@pytest.fixture(scope="module")
def server(own_server: LiveServer) -> LiveServer:
    app = own_server.server.app
    with app.app_context(), system_transaction("test") as actor:
        auth_services.create_user(
            actor,
            EMAIL,
            organisation=find_by_code("PLX-KT"),
            roles={Role.ENTERPRISE_MANAGER},
            password=DEMO_PASSWORD,
            name="Trần Văn Nhập",
        )
    return own_server


@pytest.mark.parametrize("context", [1440, 390], indirect=True)
def test_an_enterprise_imports_a_file_previews_confirms_and_reads_the_instrument(
    page: Page, server: LiveServer, artifacts: Path, browser_problems: list[str], tmp_path: Path
) -> None:
    width = page.viewport_size["width"] if page.viewport_size else 0
    serial = f"NHAP-{width}-01"
    upload = tmp_path / "danh-sach.csv"
    upload.write_bytes(
        (
            "\ufeffMã loại phương tiện đo,Số sản xuất,Nhà sản xuất,Ngày trang bị\n"
            f"FUEL_DISPENSER,{serial},Tatsuno,15/03/2024\n"
            f"FUEL_DISPENSER,NHAP-{width}-02,Tokheim,\n"
        ).encode()
    )
    log_in(page, server, EMAIL)
    page.goto(server("/instruments/"))
    page.get_by_test_id("import-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhập danh sách phương tiện đo")
    page.locator("input[name=file]").set_input_files(upload)
    page.get_by_role("button", name="Kiểm tra tệp").click()

    # The preview: every row's verdict, nothing stored yet.
    expect(page.get_by_test_id("import-state")).to_contain_text("Tất cả 2 dòng đều đúng")
    expect(page.get_by_test_id("verdicts").locator("tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("verdicts")).to_contain_text(serial)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=artifacts / f"import-preview-{width}.png", full_page=True)

    page.get_by_test_id("confirm-import").click()
    expect(page.get_by_test_id("import-state")).to_contain_text("2 phương tiện đo đã được đăng ký")
    page.reload()  # the outcome is kept, not a one-off message
    expect(page.get_by_test_id("import-state")).to_contain_text("Đã nhập")
    page.screenshot(path=artifacts / f"import-done-{width}.png", full_page=True)

    # The imported instrument: no verification yet, so no due date; its legal cycle is shown.
    page.goto(server(f"/instruments/?q={serial}"))
    page.get_by_test_id("items").get_by_role("link", name=serial).first.click()
    expect(page.get_by_test_id("status")).to_contain_text("Chưa kiểm định/hiệu chuẩn")
    expect(page.get_by_test_id("fields")).to_contain_text("Tatsuno")
    expect(page.get_by_test_id("fields")).to_contain_text("15/03/2024")
    expect(page.get_by_test_id("legal-rule")).to_contain_text("tháng")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=artifacts / f"import-instrument-{width}.png", full_page=True)
    assert not browser_problems, "\n".join(browser_problems)
