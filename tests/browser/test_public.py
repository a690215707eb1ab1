"""A lab's event page shows its certificate's QR code; what a phone's camera would read from it (the code
as the browser drew it, decoded by zbar) opens the public page for a passer-by, who switches it to English.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import LiveServer, log_in
from tests.test_public_printing import decode_qr

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_a_passer_by_opens_the_scanned_code_sees_the_certificate_and_switches_language(
    page: Page, browser: Browser, live_server: LiveServer, artifacts: Path, browser_problems: list[str]
) -> None:
    log_in(page, live_server, "technician@lab.demo")
    page.goto(live_server("/events/"))
    links = page.get_by_test_id("events").locator("a[href^='/events/']")
    addresses = [links.nth(n).get_attribute("href") for n in range(min(links.count(), 10))]
    for address in addresses:
        page.goto(live_server(address or ""))
        if page.get_by_test_id("public-qr").count():
            break
    qr = page.get_by_test_id("public-qr").locator("svg")
    expect(qr).to_be_visible()
    serial = page.get_by_test_id("fields").locator("dd").first.inner_text().split("·")[0].strip()
    page.screenshot(path=artifacts / "public-event-page-qr.png", full_page=True)
    qr.screenshot(path=artifacts / "public-qr-as-drawn.png")
    decoded = decode_qr(artifacts / "public-qr-as-drawn.png")
    assert len(decoded) == 1 and re.fullmatch(re.escape(live_server("/verify/")) + r"[\w-]{22}", decoded[0])
    expect(page.get_by_test_id("public-link")).to_have_text(decoded[0])
    # Its label, as printed: the QR code on it leads to the same page.
    page.get_by_test_id("public-section").get_by_role("link", name="Nhãn").click()
    label = page.get_by_test_id("label").first
    expect(label).to_contain_text(serial)
    page.emulate_media(media="print")
    label.screenshot(path=artifacts / "public-label-print.png")
    page.emulate_media(media="screen")
    assert decode_qr(artifacts / "public-label-print.png") == decoded

    passer_by = browser.new_context(viewport=PHONE)
    phone = passer_by.new_page()
    phone.on("console", lambda m: browser_problems.append(m.text) if m.type == "error" else None)
    phone.goto(decoded[0])
    expect(phone.get_by_test_id("verdict")).to_be_visible()
    expect(phone.get_by_test_id("serial")).to_have_text(serial)
    expect(phone.locator("h1")).to_have_text("Tra cứu giấy chứng nhận")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.screenshot(path=artifacts / "public-certificate-phone-vi.png", full_page=True)

    phone.get_by_test_id("public-language").get_by_role("button", name="English").click()
    expect(phone.locator("h1")).to_have_text("Certificate check")
    expect(phone.get_by_test_id("serial")).to_have_text(serial)
    assert phone.url == decoded[0]
    phone.screenshot(path=artifacts / "public-certificate-phone-en.png", full_page=True)
    passer_by.close()
    assert not browser_problems, "\n".join(browser_problems)
