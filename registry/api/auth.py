"""Bearer-token authentication for the API. Session cookies are not accepted here (no CSRF)."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, g, request

from registry.api.errors import error_response, http_message
from registry.audit.services import Author, set_author
from registry.auth.models import User
from registry.auth.sessions import user_for_token


def bearer_token() -> str:
    """The bearer token the request carries; empty when it carries none."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def api_user() -> User:
    user: User = g.api_user
    return user


def init_token_auth(app: Flask, blp: Blueprint) -> None:
    """Every request to ``blp`` needs a bearer token. The check is registered on ``app`` for that
    blueprint, not on the module-level blueprint itself, which Flask freezes once it has been
    registered: so ``create_app`` can build a second application in the same process."""

    def _authenticate() -> tuple[Response, int] | None:
        token = bearer_token()
        user = user_for_token(token) if token else None
        if user is None:
            response, status = error_response(401, http_message(401))
            response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
            return response, status
        g.api_user = user
        set_author(Author(user.id, user.email))
        return None

    app.before_request_funcs.setdefault(blp.name, []).append(_authenticate)
