"""A forgotten password: anyone may ask, from the login page, for a link that sets a new one.

The answer is the same whether or not an account uses the address (no account enumeration): the request
is throttled and counted as a failed login is, for every address alike, and only an active account that
has set its password gets the e-mail — at most PASSWORD_RESETS_PER_HOUR of them an hour, beyond which the
requests are answered the same and send nothing. The link is single-use, open PASSWORD_RESET_MINUTES;
using it ends every session of the account and leaves its two-factor sign-in as it was.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from registry.auth import sessions, tokens
from registry.auth.models import TokenPurpose, UserToken
from registry.core.models import utcnow
from registry.extensions import db
from registry.users.mail import queue_link


def request_password_reset(email: object, *, address: str) -> None:
    """Send a reset link to the account that uses ``email``, if there is one that may have it. Raises
    :class:`~registry.auth.sessions.LoginThrottled` while requests from ``address`` for ``email`` are held
    back, whether the account exists or not."""
    user = sessions.count_link_request(email if isinstance(email, str) else "", address=address)
    if user is None or not user.active or user.invited:
        return
    since = utcnow() - timedelta(hours=1)
    recent = db.session.scalar(
        select(func.count(UserToken.id)).where(
            UserToken.user_id == user.id,
            UserToken.purpose == TokenPurpose.PASSWORD_RESET.value,
            UserToken.created_at > since,
        )
    )
    if (recent or 0) >= current_app.config["PASSWORD_RESETS_PER_HOUR"]:
        return
    token = tokens.issue(user, TokenPurpose.PASSWORD_RESET, why=_l("password reset link requested"))
    queue_link(user, TokenPurpose.PASSWORD_RESET, token)
