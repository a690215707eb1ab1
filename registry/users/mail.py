"""The e-mails that carry a single-use link — an invitation, a password reset — written to the
notifications' outbox, which the outbox job sends (so they go out, retried, like the reminders). Each is in
the recipient's language, its link starting with PUBLIC_URL."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from registry.auth.models import TokenPurpose, User
from registry.auth.tokens import lifetime
from registry.core.models import utcnow
from registry.extensions import db
from registry.notifications.entries import external_url
from registry.notifications.mail import language_of, new_message_id
from registry.notifications.models import OutboxMessage

ENDPOINTS = {TokenPurpose.INVITATION: "users.accept", TokenPurpose.PASSWORD_RESET: "users.reset"}
TEMPLATES = {
    TokenPurpose.INVITATION: "users/email_invitation",
    TokenPurpose.PASSWORD_RESET: "users/email_reset",
}
# The outbox's kind column: what the Department reads in the outbox's list.
KINDS = {TokenPurpose.INVITATION: "invitation", TokenPurpose.PASSWORD_RESET: "reset"}


def link_for(purpose: TokenPurpose, token: str) -> str:
    if has_request_context():
        return external_url(url_for(ENDPOINTS[purpose], token=token))
    with current_app.test_request_context("/"):
        return external_url(url_for(ENDPOINTS[purpose], token=token))


def queue_link(user: User, purpose: TokenPurpose, token: str, *, sender: User | None = None) -> OutboxMessage:
    """Write the e-mail that sends ``user`` its link (``sender``: who invited it)."""
    language = language_of(user)
    expires: datetime = utcnow() + lifetime(purpose)
    values = {
        "user": user,
        "sender": sender,
        "link": link_for(purpose, token),
        "expires": expires,
        "language": language,
    }
    with force_locale(language):
        if purpose is TokenPurpose.INVITATION:
            subject = _(
                "You are invited to the metrology registry (%(organisation)s)",
                organisation=user.organisation.name,
            )
        else:
            subject = _("Metrology registry: set a new password")
        text = render_template(f"{TEMPLATES[purpose]}.txt", **values)
        html = render_template(f"{TEMPLATES[purpose]}.html", **values)
    message = OutboxMessage(
        message_id=new_message_id(),
        recipient=user.email,
        user_id=user.id,
        language=language,
        kind=KINDS[purpose],
        subject=subject,
        text=text,
        html=html,
        attempts=0,
        notification_ids=[],
    )
    db.session.add(message)
    db.session.flush()
    return message
