"""Bearer-token authentication for the API. Session cookies are not accepted here (no CSRF)."""

from __future__ import annotations

from flask import Blueprint, Response, g, request

from registry.api.errors import error_response
from registry.audit.services import Actor, set_actor
from registry.auth.models import User
from registry.auth.services import user_for_token


def api_user() -> User:
    user: User = g.api_user
    return user


def init_token_auth(blp: Blueprint) -> None:
    @blp.before_request
    def _authenticate() -> tuple[Response, int] | None:

        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
        if user is None:
            response, status = error_response(401, "A valid bearer token is required.")
            response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
            return response, status
        g.api_user = user
        set_actor(Actor(user.id, user.email))
        return None
