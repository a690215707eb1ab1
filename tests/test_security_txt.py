"""/.well-known/security.txt (RFC 9116): whom to tell about a vulnerability, from the configuration."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

import config
from registry import create_app
from registry.extensions import db
from tests.helpers import IsolatedClient, assert_security_headers

PATH = "/.well-known/security.txt"
HTTPS = {"base_url": "https://registry.example.vn"}


def fields(response: Any) -> dict[str, list[str]]:
    """The file's fields, each name with its values in order; every line is a field (no comments here)."""
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    text = response.get_data(as_text=True)
    assert text.endswith("\n")
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        name, separator, value = line.partition(": ")
        assert separator and name and value.strip() == value, f"not a field: {line!r}"
        found.setdefault(name, []).append(value)
    return found


@pytest.fixture
def configured_app(database_url: str) -> Iterator[Flask]:
    application = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECURITY_CONTACT": "security@skhcn.kontum.gov.vn, https://skhcn.kontum.gov.vn/bao-mat,tel:+84-260-3862-111",
            "SECURITY_TXT_EXPIRES": "2027-06-30",
        }
    )
    application.test_client_class = IsolatedClient
    yield application
    with application.app_context():
        db.engine.dispose()


def test_anyone_reads_the_file_with_its_four_fields(client: FlaskClient) -> None:
    response = client.get(PATH, **HTTPS)
    found = fields(response)
    assert found == {
        "Contact": ["mailto:security@registry.example.vn"],  # the site's own host, until it is set
        "Expires": found["Expires"],
        "Preferred-Languages": ["vi, en"],
        "Canonical": ["https://registry.example.vn/.well-known/security.txt"],
    }
    assert_security_headers(response, "security.txt")


def test_the_default_expiry_is_in_the_future_and_less_than_a_year_away(client: FlaskClient) -> None:
    (expires,) = fields(client.get(PATH, **HTTPS))["Expires"]
    moment = datetime.strptime(expires, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    now = datetime.now(UTC)
    assert now < moment < now + timedelta(days=365)


def test_contact_and_expiry_come_from_the_configuration(configured_app: Flask) -> None:
    found = fields(configured_app.test_client().get(PATH, **HTTPS))
    assert found["Contact"] == [
        "mailto:security@skhcn.kontum.gov.vn",
        "https://skhcn.kontum.gov.vn/bao-mat",
        "tel:+84-260-3862-111",
    ]
    assert found["Expires"] == ["2027-06-30T00:00:00Z"]


def test_the_canonical_address_is_https_even_when_read_over_plain_http(client: FlaskClient) -> None:
    found = fields(client.get(PATH, base_url="http://localhost:5000"))
    assert found["Canonical"] == ["https://localhost:5000/.well-known/security.txt"]
    assert found["Contact"] == ["mailto:security@localhost"]


@pytest.mark.parametrize("host", ["[", "registry.example.vn:notaport", "a b", "[::1]:5000"])
def test_a_host_header_that_is_no_host_name_gets_no_canonical_nor_contact_on_it(
    client: FlaskClient, host: str
) -> None:
    found = fields(client.get(PATH, headers={"Host": host}))
    assert found["Contact"] == ["mailto:security@localhost"]
    for canonical in found.get("Canonical", []):  # none when Werkzeug finds no host name in it
        assert urlsplit(canonical).scheme == "https" and urlsplit(canonical).hostname, canonical


@pytest.mark.parametrize("value", ["30/06/2027", "next year", "2027-13-01"])
@pytest.mark.parametrize("settings", [config.Default, config.Production])
def test_a_configured_expiry_that_is_not_a_date_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, settings: type[config.Default], value: str
) -> None:
    monkeypatch.setenv("SECRET_KEY", "a-real-secret")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://registry@db/registry")

    class Configured(settings):  # type: ignore[valid-type,misc]
        SECURITY_TXT_EXPIRES = value

    with pytest.raises(config.ConfigError, match="SECURITY_TXT_EXPIRES"):
        Configured.check()
    Configured.SECURITY_TXT_EXPIRES = "2027-06-30"
    Configured.check()
