"""The Department's dashboard in a browser: from the home page to the indicators, a number followed to
the rows it counted, and the Excel and Word reports downloaded and checked against the JSON; the trend
charts drawn, a registry figure followed to its list, and the report submitted and downloaded frozen."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from registry.demo.services import DEMO_PASSWORD
from tests.browser.helpers import LiveServer

pytestmark = pytest.mark.browser


def test_the_dashboard_follows_a_number_to_its_rows_and_downloads_the_reports(
    page: Page, live_server: LiveServer, artifacts: Path, browser_problems: list[str]
) -> None:
    page.goto(live_server("/login"))
    page.locator("input[name=email]").fill("admin@skhcn.demo")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main").get_by_role("button").click()
    page.get_by_test_id("plan-dashboard").click()
    page.locator("#as_of").fill("2026-11-24")
    # The form's own button, whichever language another test left this demo user's pages in.
    page.locator("form").filter(has=page.locator("#as_of")).get_by_role("button").click()

    articles = page.locator('tr[data-indicator="I"][data-period="2021-2025"]')
    expect(articles.get_by_test_id("actual")).to_have_text("5")
    expect(articles).to_have_attribute("data-pace", "achieved")
    expect(page.locator('tr[data-pace="behind"]').first).to_be_visible()
    expect(page.locator('tr[data-pace="on_track"]').first).to_be_visible()
    page.screenshot(path=artifacts / "plan-dashboard.png", full_page=True)

    with page.expect_download() as xlsx_download:
        page.get_by_test_id("download-xlsx").click()
    with page.expect_download() as docx_download:
        page.get_by_test_id("download-docx").click()
    json_url = page.get_by_test_id("download-json").get_attribute("href")
    assert json_url is not None
    expected = json.loads(page.request.get(live_server(json_url)).text())

    sheet = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes())).active
    assert sheet is not None
    results = [line[5] for line in sheet.iter_rows(min_row=2, values_only=True)]
    assert results == [row["actual"] for row in expected["indicators"]]
    table = Document(io.BytesIO(Path(docx_download.value.path()).read_bytes())).tables[0]
    assert [int(line.cells[5].text) for line in table.rows[1:]] == [
        row["actual"] for row in expected["indicators"]
    ]

    articles.get_by_test_id("actual").click()
    rows = page.get_by_test_id("counted-rows").locator("tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.first).to_contain_text("Ngày Đo lường Việt Nam 20/5")
    page.screenshot(path=artifacts / "plan-counted.png", full_page=True)

    # The trend charts are drawn (by the static script, under the CSP), and the registry's own figures
    # open the lists of what they count.
    page.goto(live_server("/plan/?as_of=2026-11-24"))
    expect(page.locator("figure.trend.has-chart").first).to_be_visible()
    overdue = page.get_by_test_id("overdue-group2-total")
    count = overdue.inner_text()
    assert count != "0"
    overdue.click()
    expect(page.get_by_test_id("total")).to_contain_text(count)

    # Submitting freezes the report: its figures beside the live ones, its files as they were.
    page.goto(live_server("/plan/?as_of=2026-11-24"))
    page.get_by_test_id("submit").locator("summary").click()
    page.locator("#note").fill("Báo cáo thử")
    page.get_by_test_id("submit").get_by_role("button").click()
    frozen_articles = page.get_by_test_id("comparison").locator(
        'tr[data-indicator="I"][data-period="2021-2025"]'
    )
    expect(frozen_articles.get_by_test_id("frozen")).to_have_text("5")
    expect(frozen_articles.get_by_test_id("live")).to_have_text("5")
    page.screenshot(path=artifacts / "plan-submission.png", full_page=True)
    with page.expect_download() as frozen_download:
        page.get_by_test_id("frozen-xlsx").click()
    sheet = load_workbook(io.BytesIO(Path(frozen_download.value.path()).read_bytes())).active
    assert sheet is not None
    assert [line[5] for line in sheet.iter_rows(min_row=2, values_only=True)] == results
    assert not browser_problems, "\n".join(browser_problems)
