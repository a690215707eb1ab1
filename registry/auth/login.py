"""Flask-Login wiring: server-side sessions, and the audit actor of each request."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from registry.audit.services import Author, forget_request_author, set_author
from registry.auth.models import User
from registry.auth.sessions import load_session_user
from registry.extensions import login_manager


def client_address() -> str:
    # ProxyFix (TRUSTED_PROXY_COUNT) has already put the client's address here when behind a proxy.
    return request.remote_addr or "unknown"


@login_manager.user_loader
def _load_user(session_key: str) -> User | None:
    return load_session_user(session_key)


def init_login(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"

    @app.before_request
    def _set_audit_author() -> None:
        if current_user.is_authenticated:
            set_author(Author(current_user.id, current_user.email))
        else:
            set_author(None)

    @app.teardown_request
    def _forget_audit_author(error: BaseException | None) -> None:
        forget_request_author()
