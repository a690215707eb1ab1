"""The JSON API's machinery under /api/v1: bearer tokens, the rate limit, schema fields, cursor pagination,
OpenAPI, one error shape. Each domain's endpoints live in its own ``api.py``; ``create_app`` hands their
blueprints to :func:`init_api`."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from flask_smorest import Api

from registry.api.auth import init_token_auth
from registry.api.blueprint import Blueprint, init_query_check
from registry.api.errors import ErrorSchema
from registry.api.limits import init_rate_limit
from registry.extensions import csrf

API_PREFIX = "/api/v1"


class RegistryApi(Api):
    """flask-smorest, minus its app-wide error handler (ours answers HTML pages and the API alike) and
    its ETag and page-number pagination headers (we use neither): every error is documented with our
    :class:`ErrorSchema`."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        pass

    def _register_etag_headers(self) -> None:
        pass

    def _register_pagination_header(self) -> None:
        pass


def init_api(app: Flask, blueprints: Iterable[Blueprint]) -> None:
    """Serve each domain's ``blueprints`` under /api/v1: each needs a bearer token unless it is public
    (``Blueprint(..., public=True)``: no token, and no session either); every request is rate-limited
    (:mod:`registry.api.limits`)."""
    init_rate_limit(app)
    api = RegistryApi(
        app,
        spec_kwargs={
            "servers": [{"url": "/"}],
            "info": {
                "description": "Metrology registry: instruments, standards, providers and events.\n\n"
                "Rate limit: requests are counted per minute, per token with a valid bearer token and per "
                "client address without one (the public endpoints). Every response says where the caller "
                'stands in the `RateLimit-Policy` (e.g. `"token";q=600;w=60`) and `RateLimit` '
                '(`"token";r=<left>;t=<seconds until the window ends>`) fields of the IETF draft '
                "draft-ietf-httpapi-ratelimit-headers; past the limit the answer is 429 with `Retry-After`."
            },
        },
    )
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}]

    for blp in blueprints:
        if not blp.public:
            init_token_auth(app, blp)
        init_query_check(app, blp)
        csrf.exempt(blp)
        api.register_blueprint(blp, url_prefix=f"{API_PREFIX}{blp.url_prefix or ''}")

    @app.route(f"{API_PREFIX}/openapi.json")
    def openapi_json() -> ResponseReturnValue:
        return jsonify(api.spec.to_dict())
