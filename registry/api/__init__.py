"""The JSON API under /api/v1: bearer tokens, schemas, OpenAPI, one error shape."""

from __future__ import annotations

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from flask_smorest import Api

from registry.api.errors import ErrorSchema
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


def init_api(app: Flask) -> None:
    from registry.api.auth import init_token_auth
    from registry.api.blueprint import init_query_check
    from registry.api.errors import register_service_error_handler
    from registry.catalogue.api import blp as catalogue_blp
    from registry.events.api import blp as events_blp
    from registry.items.api import blp as instruments_blp
    from registry.items.api_standards import reference_materials_blp, standards_blp
    from registry.organisations.api import blp as organisations_blp
    from registry.organisations.credentials.api import blp as credentials_blp

    api = RegistryApi(
        app,
        spec_kwargs={
            "servers": [{"url": "/"}],
            "info": {"description": "Metrology registry: instruments, standards, providers and events."},
        },
    )
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}]

    for blp in (
        organisations_blp,
        catalogue_blp,
        credentials_blp,
        instruments_blp,
        standards_blp,
        reference_materials_blp,
        events_blp,
    ):
        init_token_auth(app, blp)
        init_query_check(app, blp)
        csrf.exempt(blp)
        api.register_blueprint(blp, url_prefix=f"{API_PREFIX}{blp.url_prefix or ''}")

    register_service_error_handler(app)

    @app.route(f"{API_PREFIX}/openapi.json")
    def openapi_json() -> ResponseReturnValue:
        return jsonify(api.spec.to_dict())
