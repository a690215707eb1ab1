"""Sending the outbox over SMTP (``SMTP_*`` settings, README). E-mail is at-least-once: a message is marked
sent in the job's one commit, after the server accepted it, so a crash in between sends it again — with the
same Message-ID, which mail systems de-duplicate. When the server cannot be reached the messages wait for
the next run, each keeping its attempt count and last error."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from registry.auth import policy
from registry.auth.policy import Actor, Permission
from registry.core.models import utcnow
from registry.extensions import db
from registry.notifications.faults import fault_point
from registry.notifications.models import Notification, OutboxMessage


def claim_unsent(limit: int) -> Sequence[OutboxMessage]:
    """The oldest unsent messages, locked for this run: a second sender at the same time (PostgreSQL)
    skips them instead of sending them too. SQLite has one writer at a time anyway."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None))
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(db.session.scalars(stmt))


def as_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.recipient
    email["Message-ID"] = message.message_id
    email["Date"] = formatdate(message.created_at.timestamp(), localtime=False)
    email["Content-Language"] = message.language
    email.set_content(message.text)
    email.add_alternative(message.html, subtype="html")
    return email


def _connect() -> smtplib.SMTP:
    config = current_app.config
    host, port, timeout = config["SMTP_HOST"], int(config["SMTP_PORT"]), float(config["SMTP_TIMEOUT"])
    security = str(config["SMTP_SECURITY"]).lower()
    connection: smtplib.SMTP
    if security == "ssl":
        connection = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        connection = smtplib.SMTP(host, port, timeout=timeout)
        if security == "starttls":
            connection.starttls(context=ssl.create_default_context())
    if config["SMTP_USER"]:
        connection.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
    return connection


def _failed(message: OutboxMessage, error: BaseException) -> None:
    message.attempts += 1
    message.last_attempt_at = utcnow()
    message.last_error = f"{type(error).__name__}: {error}"[:2000]


def send_outbox(actor: Actor) -> dict[str, Any]:
    """Send what waits in the outbox; the counts of the run."""
    policy.require(actor, Notification, Permission.CREATE)
    waiting_before = unsent_count()
    if not current_app.config["SMTP_HOST"]:
        return {
            "emails_sent": 0,
            "emails_failed": 0,
            "emails_waiting": waiting_before,
            "smtp": "not configured",
        }
    messages = claim_unsent(int(current_app.config["OUTBOX_BATCH"]))
    sent = failed = 0
    if messages:
        try:
            connection = _connect()
        except (OSError, smtplib.SMTPException) as error:
            for message in messages:
                _failed(message, error)
            failed = len(messages)
        else:
            with connection:
                for message in messages:
                    try:
                        connection.send_message(as_email(message))
                    except smtplib.SMTPException as error:
                        _failed(message, error)
                        failed += 1
                        continue
                    fault_point("outbox:after_send")
                    message.attempts += 1
                    message.last_attempt_at = message.sent_at = utcnow()
                    message.last_error = None
                    sent += 1
    db.session.flush()
    return {"emails_sent": sent, "emails_failed": failed, "emails_waiting": unsent_count()}


def unsent_count() -> int:
    return int(db.session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None))) or 0)
