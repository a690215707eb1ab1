"""The public carve-out of the API: a blueprint made ``public`` answers without a bearer token and its
operations say so in the OpenAPI document; every other one still needs the token."""

from __future__ import annotations

from tests.helpers import ping_api


def test_a_public_endpoint_answers_without_a_token_and_the_others_do_not() -> None:
    client = ping_api().test_client()
    assert client.get("/api/v1/ping").get_json() == {"answer": "pong"}
    assert client.get("/api/v1/secret").status_code == 401


def test_the_openapi_document_says_which_endpoints_need_no_token() -> None:
    paths = ping_api().test_client().get("/api/v1/openapi.json").get_json()["paths"]
    public, private = paths["/api/v1/ping"]["get"], paths["/api/v1/secret"]["get"]
    assert public["security"] == [] and "401" not in public["responses"]
    assert "security" not in private and "401" in private["responses"]
