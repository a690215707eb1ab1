"""The e-mails of a run: one digest per recipient, in the recipient's language (Vietnamese by default),
plain text and HTML, every notification with its subject's status, end date and link. They are written to
the outbox in the same transaction as the ledger rows they announce."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from registry.auth import policy
from registry.auth.models import User, UserRole
from registry.auth.policy import Actor, Permission
from registry.extensions import db
from registry.items.status import STATUS_LABELS
from registry.notifications.digest import DigestRow, digest_rows
from registry.notifications.entries import Entry, entries, external_url
from registry.notifications.models import (
    Notification,
    NotificationKind,
    OrganisationNotificationSettings,
    OutboxMessage,
    RecipientChoice,
)


def receives(user: User, choice: RecipientChoice | None) -> bool:
    """Whoever manages the organisation's reminder settings (its managers; the Department's people)
    receives its e-mails unless they opt out; anyone else only when they opt in."""
    if choice is not None:
        return choice.receives
    return policy.permits(user, OrganisationNotificationSettings(user.organisation), Permission.CHANGE)


def recipients(organisation_ids: set[int]) -> dict[int, list[User]]:
    """Each organisation's active users who receive its e-mails."""
    if not organisation_ids:
        return {}
    active = select(User).where(User.organisation_id.in_(organisation_ids), User.active.is_(True))
    users = list(db.session.scalars(active.order_by(User.id)).unique())
    choices = {
        choice.user_id: choice
        for choice in db.session.scalars(
            select(RecipientChoice).where(RecipientChoice.user_id.in_([user.id for user in users]))
        )
    }
    # Load the roles of every user at once rather than one query per user.
    db.session.scalars(select(UserRole).where(UserRole.user_id.in_([user.id for user in users]))).all()
    by_organisation: dict[int, list[User]] = defaultdict(list)
    for user in users:
        if receives(user, choices.get(user.id)):
            by_organisation[user.organisation_id].append(user)
    return by_organisation


def language_of(user: User) -> str:
    languages = current_app.config["LANGUAGES"]
    return str(user.locale) if user.locale in languages else str(current_app.config["BABEL_DEFAULT_LOCALE"])


def new_message_id() -> str:
    """Fixed when the row is written: the same message sent again carries the same Message-ID."""
    domain = str(current_app.config["MAIL_MESSAGE_ID_DOMAIN"])
    return f"<{uuid.uuid4().hex}@{domain}>"


def queue_digests(actor: Actor, notifications: Sequence[Notification], today: date) -> int:
    """Write one message per recipient for ``notifications`` (this run's ledger rows); how many."""
    policy.require(actor, Notification, Permission.CREATE)
    by_organisation: dict[int, list[Notification]] = defaultdict(list)
    for notification in notifications:
        by_organisation[notification.organisation_id].append(notification)
    organisations = recipients(set(by_organisation))
    languages: dict[str, list[Notification]] = defaultdict(list)
    for organisation_id, users in organisations.items():
        for language in {language_of(user) for user in users}:
            languages[language].extend(by_organisation[organisation_id])
    # Links are written with the site's public address; a request context gives url_for its rules.
    with current_app.test_request_context("/"):
        # Every subject is described once per language, in one set of queries, not once per organisation.
        described: dict[str, tuple[dict[int, Entry], list[tuple[DigestRow, str]]]] = {}
        for language, listed in languages.items():
            with force_locale(language):
                described[language] = _describe(listed, today)
        messages = []
        for organisation_id, users in organisations.items():
            own = by_organisation[organisation_id]
            for user in users:
                by_notification, digest = described[language_of(user)]
                own_entries = [by_notification[notification.id] for notification in own]
                own_digest = digest if any(n.kind == NotificationKind.DIGEST for n in own) else []
                messages.append(_message(user, own, today, own_entries, own_digest))
    db.session.add_all(messages)
    db.session.flush()
    return len(messages)


def _describe(
    notifications: list[Notification], today: date
) -> tuple[dict[int, Entry], list[tuple[DigestRow, str]]]:
    listed = {entry.notification.id: entry for entry in entries(notifications, today, external=True)}
    with_digest = any(n.kind == NotificationKind.DIGEST for n in notifications)
    return listed, [(row, external_url(row.url())) for row in (digest_rows(today) if with_digest else [])]


def _message(
    user: User,
    notifications: list[Notification],
    today: date,
    listed: list[Entry],
    digest: list[tuple[DigestRow, str]],
) -> OutboxMessage:
    language = language_of(user)
    with force_locale(language):
        values = {
            "entries": listed,
            "digest": digest,
            "today": today,
            "user": user,
            "status_word": lambda status: str(STATUS_LABELS[status]),
        }
        if all(n.kind == NotificationKind.SUSPECT for n in notifications):
            subject = _("Metrology registry: %(count)d result(s) in doubt", count=len(listed))
        else:
            subject = _("Metrology registry: %(count)d reminder(s)", count=len(listed))
        text = render_template("notifications/email.txt", **values)
        html = render_template("notifications/email.html", **values)
    return OutboxMessage(
        message_id=new_message_id(),
        recipient=user.email,
        user_id=user.id,
        language=language,
        kind=notifications[0].kind,
        subject=subject,
        text=text,
        html=html,
        attempts=0,
        notification_ids=[notification.id for notification in notifications],
    )
