"""E-mail: one digest per recipient per run, in the recipient's language, sent to a real SMTP server
(aiosmtpd); SMTP down → the messages wait, with their attempts and last error, and go on the next run."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from registry.auth.models import Role
from registry.extensions import db
from registry.notifications.models import OutboxMessage
from scheduler.jobs import run_job
from tests.factories import InstrumentFactory, OrganisationFactory, user_with_role
from tests.smtp_sink import free_port, smtp_server

DAY = date(2026, 3, 1)


@pytest.fixture
def owner():
    organisation = OrganisationFactory(name="Cửa hàng xăng dầu Hòa Bình")
    user_with_role(Role.ENTERPRISE_MANAGER, organisation, email="quanly@hoabinh.vn")
    user_with_role(Role.ENTERPRISE_MANAGER, organisation, email="manager@hoabinh.vn", locale="en")
    user_with_role(Role.ENTERPRISE_VIEWER, organisation, email="viewer@hoabinh.vn")
    InstrumentFactory(
        owner=organisation, serial_number="CB-07", valid_until=DAY + timedelta(days=7), last_result="pass"
    )
    InstrumentFactory(
        owner=organisation, serial_number="CB-OD", valid_until=DAY - timedelta(days=1), last_result="pass"
    )
    db.session.commit()
    return organisation


@pytest.fixture
def smtp(app):
    with smtp_server() as (sink, port):
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
        try:
            yield sink
        finally:
            app.config.update(SMTP_HOST="", SMTP_PORT=25)


def test_one_digest_per_recipient_in_their_language_reaches_the_smtp_server(app, owner, smtp):
    queued = run_job(app, "reminders", DAY)
    assert queued["notifications_created"] == 2
    assert queued["emails_queued"] == 2  # the two managers; the viewer has not opted in

    sent = run_job(app, "outbox", DAY)
    assert sent["emails_sent"] == 2 and sent["emails_waiting"] == 0

    by_recipient = {message["To"]: message for message in smtp.messages}
    assert set(by_recipient) == {"quanly@hoabinh.vn", "manager@hoabinh.vn"}
    vietnamese, english = by_recipient["quanly@hoabinh.vn"], by_recipient["manager@hoabinh.vn"]
    text = vietnamese.get_body(("plain",)).get_content()
    html = vietnamese.get_body(("html",)).get_content()
    assert "CB-07" in text and "CB-OD" in text and "CB-07" in html
    assert "Đến hạn sau 7 ngày" in text and "Quá hạn từ 28/02/2026" in text
    assert "08/03/2026" in text  # the valid-until date, as Vietnamese forms write it
    assert "http://127.0.0.1:5000/instruments/" in text and 'href="http://127.0.0.1:5000/instruments/' in html
    assert "Due in 7 days" in english.get_body(("plain",)).get_content()
    stored = {m.recipient: m.message_id for m in db.session.scalars(select(OutboxMessage))}
    assert vietnamese["Message-ID"] == stored["quanly@hoabinh.vn"]

    # Nothing is sent twice.
    assert run_job(app, "outbox", DAY)["emails_sent"] == 0
    assert len(smtp.messages) == 2


def test_smtp_refusing_connections_keeps_the_messages_for_the_next_run(app, owner):
    run_job(app, "reminders", DAY)
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())  # nothing listens there
    try:
        failed = run_job(app, "outbox", DAY)
    finally:
        app.config.update(SMTP_HOST="", SMTP_PORT=25)
    assert failed["emails_sent"] == 0 and failed["emails_failed"] == 2 and failed["emails_waiting"] == 2
    waiting = list(db.session.scalars(select(OutboxMessage)))
    assert [m.attempts for m in waiting] == [1, 1]
    assert all("ConnectionRefusedError" in (m.last_error or "") for m in waiting)
    assert all(m.sent_at is None for m in waiting)
    ids = {m.message_id for m in waiting}

    with smtp_server() as (sink, port):
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
        try:
            sent = run_job(app, "outbox", DAY + timedelta(days=1))
        finally:
            app.config.update(SMTP_HOST="", SMTP_PORT=25)
    assert sent["emails_sent"] == 2 and sent["emails_waiting"] == 0
    assert {message["Message-ID"] for message in sink.messages} == ids
    db.session.expire_all()
    delivered = list(db.session.scalars(select(OutboxMessage)))
    assert [m.attempts for m in delivered] == [2, 2] and all(m.sent_at for m in delivered)


def test_without_an_smtp_server_configured_messages_wait(app, owner):
    run_job(app, "reminders", DAY)
    result = run_job(app, "outbox", DAY)
    assert result == {
        "job": "outbox",
        "emails_sent": 0,
        "emails_failed": 0,
        "emails_waiting": 2,
        "smtp": "not configured",
    }


def test_the_department_sees_delivery_attempts(app, owner, client, auth):
    run_job(app, "reminders", DAY)
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    try:
        run_job(app, "outbox", DAY)
    finally:
        app.config.update(SMTP_HOST="", SMTP_PORT=25)
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    db.session.commit()
    auth.login(officer.email)
    page = client.get("/notifications/outbox").get_data(as_text=True)
    assert "quanly@hoabinh.vn" in page and "ConnectionRefusedError" in page
