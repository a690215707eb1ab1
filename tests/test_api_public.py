"""The public carve-out of the API: a blueprint made ``public`` answers without a bearer token and its
operations say so in the OpenAPI document; every other one still needs the token."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.views import MethodView

import config
from registry.api import init_api
from registry.api.blueprint import Blueprint
from registry.api.fields import Schema, String
from registry.api.schemas import documents_errors
from registry.i18n import init_babel


class PongSchema(Schema):
    answer = String()


def _app() -> Flask:
    public = Blueprint("ping_api", __name__, url_prefix="/ping", public=True)
    private = Blueprint("secret_api", __name__, url_prefix="/secret")

    @public.route("")
    class Ping(MethodView):
        @documents_errors(public)
        @public.response(200, PongSchema)
        def get(self) -> dict[str, Any]:
            return {"answer": "pong"}

    @private.route("")
    class Secret(MethodView):
        @documents_errors(private)
        @private.response(200, PongSchema)
        def get(self) -> dict[str, Any]:
            return {"answer": "secret"}

    app = Flask(__name__)
    app.config.from_object(config.Test)
    init_babel(app)
    init_api(app, [public, private])
    return app


def test_a_public_endpoint_answers_without_a_token_and_the_others_do_not() -> None:
    client = _app().test_client()
    assert client.get("/api/v1/ping").get_json() == {"answer": "pong"}
    assert client.get("/api/v1/secret").status_code == 401


def test_the_openapi_document_says_which_endpoints_need_no_token() -> None:
    paths = _app().test_client().get("/api/v1/openapi.json").get_json()["paths"]
    public, private = paths["/api/v1/ping"]["get"], paths["/api/v1/secret"]["get"]
    assert public["security"] == [] and "401" not in public["responses"]
    assert "security" not in private and "401" in private["responses"]
