"""The traceability chain in the demo, as its users see it: an enterprise's water meter goes up through the
lab's standard and QUATEST 3's to the national standard held by VMI; a lab sees a broken link where it
used a lapsed standard. On an office screen and on a phone, without sideways scrolling, and every link in
the chain opens a page the user may see."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.helpers import LiveServer, log_in

pytestmark = pytest.mark.browser

WIDTHS = pytest.mark.parametrize("context", [1440, 390], indirect=True, ids=["office-screen", "phone"])


def fits(page: Page, live_server: LiveServer, element: Locator) -> None:
    """The element is no wider than its box (nothing to scroll sideways) and every link in it opens."""
    assert element.evaluate("e => e.scrollWidth <= e.clientWidth")
    for href in element.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        assert page.request.get(live_server(href), max_redirects=0).status == 200, href


def open_first(page: Page, live_server: LiveServer, path: str) -> None:
    page.goto(live_server(path))
    page.get_by_test_id("items").locator("tbody tr").first.get_by_role("link").first.click()


@WIDTHS
def test_an_enterprise_follows_its_meters_chain_up_to_the_national_standard(
    page: Page, live_server: LiveServer, artifacts: Path, browser_problems: list[str]
) -> None:
    log_in(page, live_server, "manager@water.demo")
    open_first(page, live_server, "/instruments/?type_code=WATER_METER_ELEC&status=valid")
    chain = page.get_by_test_id("chain")
    expect(chain).to_contain_text("Chuỗi liên kết chuẩn")
    expect(chain.get_by_test_id("chain-link")).to_have_count(2)
    # The lab's standard and QUATEST 3's: their public facts, no link to pages the enterprise may not open.
    expect(chain).to_contain_text("Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Kon Tum")
    expect(chain).to_contain_text("Hệ thống chuẩn lưu lượng nước DN15–DN100")
    expect(chain.get_by_test_id("chain-end")).to_contain_text("Đỉnh của chuỗi")
    expect(chain.get_by_test_id("chain-end")).to_contain_text("Viện Đo lường Việt Nam (VMI)")
    expect(chain).not_to_contain_text("Mắt xích bị đứt")
    expect(chain.locator("a[href^='/standards/']")).to_have_count(0)
    fits(page, live_server, chain)
    width = page.viewport_size["width"] if page.viewport_size else 0
    page.screenshot(path=artifacts / f"chain-item-enterprise-{width}.png", full_page=True)

    chain.get_by_role("link").first.click()  # the verification the meter's validity stands on
    chain = page.get_by_test_id("chain")
    expect(chain.get_by_test_id("chain-link")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    fits(page, live_server, chain)
    page.screenshot(path=artifacts / f"chain-event-enterprise-{width}.png", full_page=True)
    assert not browser_problems, "\n".join(browser_problems)


@WIDTHS
def test_a_lab_sees_the_broken_link_where_it_used_a_lapsed_standard(
    page: Page, live_server: LiveServer, artifacts: Path, browser_problems: list[str]
) -> None:
    log_in(page, live_server, "manager@lab.demo")
    open_first(page, live_server, "/instruments/?type_code=CAPACITY_MEASURE&q=hung+thinh")
    chain = page.get_by_test_id("chain")
    first = chain.get_by_test_id("chain-link").first
    expect(first).to_contain_text("Bình chuẩn kim loại hạng 2, 20 L")
    expect(first.get_by_test_id("chain-validity").first).to_contain_text("Mắt xích bị đứt")
    expect(first.get_by_test_id("chain-validity").first).to_contain_text("Quá hạn")
    # Its own standard and the calibration of it are links; QUATEST 3's standard is not.
    expect(first.get_by_role("link", name="Bình chuẩn kim loại hạng 2, 20 L")).to_be_visible()
    expect(chain.get_by_role("link", name="Hệ thống chuẩn lưu lượng nước DN15–DN100")).to_have_count(0)
    expect(chain.get_by_test_id("chain-end")).to_contain_text("Viện Đo lường Việt Nam (VMI)")
    fits(page, live_server, chain)
    width = page.viewport_size["width"] if page.viewport_size else 0
    page.screenshot(path=artifacts / f"chain-item-lab-{width}.png", full_page=True)

    chain.get_by_role("link").first.click()  # the verification made with the lapsed standard
    expect(page.get_by_test_id("fields")).to_contain_text("Bình chuẩn đang chờ hiệu chuẩn lại")
    chain = page.get_by_test_id("chain")
    expect(chain).to_contain_text("Mắt xích bị đứt")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    fits(page, live_server, chain)
    page.screenshot(path=artifacts / f"chain-event-lab-{width}.png", full_page=True)
    assert not browser_problems, "\n".join(browser_problems)
