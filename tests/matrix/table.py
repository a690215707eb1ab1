"""The permission matrix assembled: each domain module's rows, request bodies and URL builders, in one table
each (see tests/test_permissions.py)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from tests.matrix import (
    catalogue,
    events,
    imports,
    items,
    notifications,
    organisations,
    plan,
    public,
    site,
    suspects,
    users,
)
from tests.matrix.base import Body, Row, UrlValues

DOMAINS: tuple[ModuleType, ...] = (
    site,
    organisations,
    catalogue,
    items,
    events,
    suspects,
    public,
    plan,
    notifications,
    imports,
    users,
)


def _merged(name: str) -> dict[Any, Any]:
    """The domains' tables called ``name`` in one, each key decided by one domain only."""
    merged: dict[Any, Any] = {}
    for domain in DOMAINS:
        table = getattr(domain, name, {})
        repeated = sorted(table.keys() & merged.keys())
        assert not repeated, f"{domain.__name__} repeats {name} keys: {repeated}"
        merged |= table
    return merged


# Who may do what: (endpoint, method, target) → one answer per actor, in the order of ACTORS.
EXPECTED: dict[tuple[str, str, str], Row] = _merged("ROWS")
# Valid request bodies, so that a refusal can only come from the permission check.
FORM_BODIES: dict[tuple[str, str], Body] = _merged("FORM_BODIES")
JSON_BODIES: dict[tuple[str, str], Body] = _merged("JSON_BODIES")
# The URL arguments of routes that take more than an organisation's code (or a code of something else).
URL_VALUES: dict[str, UrlValues] = _merged("URL_VALUES")
