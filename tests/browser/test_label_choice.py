"""The owner chooses which certificates' labels to print, at an office screen's width and a phone's: from the
home page to the checklist, a year's certificates, select all, then the sheet of the two it keeps ticked."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import LiveServer, log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("context", [1440, 390], indirect=True, ids=["office", "phone"])
def test_the_owner_ticks_certificates_and_prints_their_labels(
    page: Page, live_server: LiveServer, artifacts: Path, browser_problems: list[str]
) -> None:
    width = page.viewport_size["width"] if page.viewport_size else 0
    log_in(page, live_server, "manager@water.demo")
    page.get_by_test_id("choose-labels").click()
    expect(page.get_by_test_id("label-filters")).to_be_visible()

    page.locator("input[name=since]").fill((date.today() - timedelta(days=365)).strftime("%d/%m/%Y"))
    page.get_by_test_id("label-filters").get_by_role("button").click()
    boxes = page.get_by_test_id("label-candidates").locator("input[type=checkbox]")
    expect(boxes.first).to_be_visible()
    listed = boxes.count()
    assert listed >= 2
    page.get_by_test_id("select-all").click()
    expect(boxes.nth(listed - 1)).to_be_checked()
    # Measured once the stylesheets have applied ("select all" opens a new page): before, the table has its
    # unstyled width (CI saw 540 px on a busy machine).
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=artifacts / f"label-choice-{width}.png", full_page=True)

    for n in range(2, listed):
        boxes.nth(n).uncheck()
    page.get_by_test_id("print-labels").click()
    expect(page.get_by_test_id("label")).to_have_count(2)
    page.screenshot(path=artifacts / f"label-choice-sheet-{width}.png", full_page=True)
    assert not browser_problems, "\n".join(browser_problems)
