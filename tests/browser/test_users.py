"""A manager invites a user on the web; the invitation reaches a real SMTP server (aiosmtpd) through the
outbox job; the invitee opens the link, chooses a password, lands logged in, and logs in again with it — on
an office screen and on a phone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from registry.auth.models import Role
from registry.auth.services import create_user
from registry.auth.system import system_transaction
from registry.core.dates import local_today
from registry.demo.services import DEMO_PASSWORD
from registry.extensions import db
from registry.organisations.services import create_organisation
from scheduler.jobs import run_job
from tests.browser.helpers import LiveServer, log_in
from tests.smtp_sink import smtp_server

pytestmark = pytest.mark.browser

NAVBAR_EXPANDS_AT = 1400  # Bootstrap's xxl breakpoint (navbar-expand-xxl)
CHOSEN_PASSWORD = "nước sạch chảy về từng nhà"


def _app(live_server: LiveServer) -> Flask:
    app = live_server.server.app
    assert isinstance(app, Flask)
    return app


@pytest.fixture
def manager(live_server: LiveServer, page: Page) -> Iterator[str]:
    """A new enterprise of its own and its manager (no other browser test logs in with it), and the links
    in e-mails pointing at the live server, as PUBLIC_URL does in production."""
    app = _app(live_server)
    width = page.viewport_size["width"] if page.viewport_size else 0
    email = f"manager-{width}@users.demo"
    with app.app_context():
        with system_transaction("test") as actor:
            organisation = create_organisation(
                actor, code=f"NUOC-{width}", name=f"Công ty Nước sạch Đăk Hà {width}", kinds=["enterprise"]
            )
            create_user(
                actor,
                email,
                organisation=organisation,
                roles={Role.ENTERPRISE_MANAGER},
                password=DEMO_PASSWORD,
                name="Trịnh Văn Quản",
            )
        db.session.remove()
    public_url = app.config["PUBLIC_URL"]
    app.config["PUBLIC_URL"] = live_server.url
    try:
        yield email
    finally:
        app.config["PUBLIC_URL"] = public_url


def open_account_menu(page: Page) -> None:
    viewport = page.viewport_size
    if viewport is not None and viewport["width"] < NAVBAR_EXPANDS_AT:
        page.locator(".navbar-toggler").click()
        expect(page.locator("#main-nav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    page.get_by_test_id("current-user").click()
    expect(page.locator(".dropdown-menu.show")).to_be_visible()


def fits_the_screen(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def send_the_outbox(app: Flask) -> list[EmailMessage]:
    """The outbox job, run as the scheduler runs it, against a real SMTP server: what it received."""
    with smtp_server() as (sink, port):
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
        try:
            with app.app_context():
                today = local_today()
            result = run_job(app, "outbox", today)
        finally:
            app.config.update(SMTP_HOST="", SMTP_PORT=25)
    assert result["emails_failed"] == 0
    return sink.messages


@pytest.mark.parametrize("context", [1440, 390], indirect=True, ids=["office-screen", "phone"])
def test_a_manager_invites_a_user_who_sets_a_password_from_the_e_mail_and_logs_in(
    page: Page, live_server: LiveServer, artifacts: Path, browser_problems: list[str], manager: str
) -> None:
    width = page.viewport_size["width"] if page.viewport_size else 0
    invitee = f"ke-toan-{width}@users.demo"
    log_in(page, live_server, manager)
    open_account_menu(page)
    page.get_by_role("link", name="Người dùng của đơn vị tôi").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Người dùng của Công ty Nước sạch")

    form = page.get_by_test_id("invite-form")
    form.get_by_label("E-mail").fill(invitee)
    form.get_by_label("Họ và tên").fill("Phan Thị Kế Toán")
    # A manager is offered only its own kind's roles.
    expect(form.get_by_label("Quản trị viên Sở")).to_have_count(0)
    form.get_by_label("Người xem của doanh nghiệp").check()
    form.get_by_role("button", name="Gửi lời mời").click()
    expect(page.get_by_role("alert").filter(has_text=f"Đã gửi lời mời tới {invitee}")).to_be_visible()
    row = page.get_by_test_id("users").locator("tr", has_text=invitee)
    expect(row).to_contain_text("Đã mời")
    assert fits_the_screen(page)
    page.screenshot(path=artifacts / f"users-list-{width}.png", full_page=True)
    row.get_by_role("link", name="Phan Thị Kế Toán").click()
    expect(page.get_by_role("button", name="Gửi lời mời mới")).to_be_visible()
    expect(page.get_by_role("button", name="Vô hiệu hóa tài khoản")).to_be_visible()
    assert fits_the_screen(page)
    page.screenshot(path=artifacts / f"users-user-{width}.png", full_page=True)

    received = [m for m in send_the_outbox(_app(live_server)) if m["To"] == invitee]
    assert len(received) == 1
    text = received[0].get_body(("plain",)).get_content()
    assert "Trịnh Văn Quản" in text and "Công ty Nước sạch Đăk Hà" in received[0]["Subject"]
    link = re.search(r"http://\S+/invitation/\S+", text)
    assert link and link.group(0).startswith(live_server.url)

    open_account_menu(page)
    page.get_by_role("button", name="Đăng xuất").click()
    page.goto(link.group(0))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Chào mừng bạn đến với hệ thống quản lý đo lường"
    )
    assert fits_the_screen(page)
    page.screenshot(path=artifacts / f"users-invitation-{width}.png", full_page=True)
    page.get_by_label("Mật khẩu mới").fill(CHOSEN_PASSWORD)
    page.get_by_role("button", name="Đặt mật khẩu của tôi").click()
    expect(page).to_have_url(live_server("/"))
    expect(page.get_by_role("alert").filter(has_text="Mật khẩu đã được đặt")).to_be_visible()
    expect(page.get_by_test_id("current-user")).to_have_text(invitee)

    # Logging out and in again with the password chosen.
    open_account_menu(page)
    page.get_by_role("button", name="Đăng xuất").click()
    page.locator("input[name=email]").fill(invitee)
    page.locator("input[name=password]").fill(CHOSEN_PASSWORD)
    page.locator("main").get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(live_server("/"))
    expect(page.get_by_test_id("current-user")).to_have_text(invitee)
    assert fits_the_screen(page)
    page.screenshot(path=artifacts / f"users-invitee-home-{width}.png", full_page=True)
    assert not browser_problems, browser_problems
