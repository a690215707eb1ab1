"""Schema pieces shared by the API endpoints."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

import marshmallow as ma

from registry.api.blueprint import Blueprint

F = TypeVar("F", bound=Callable[..., Any])


class ChangeSchema(ma.Schema):
    """Every PATCH, amend and void: a required reason, and the version the caller read."""

    reason = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=2000),
        metadata={"description": "Why the change is made; kept in the audit trail."},
    )
    version = ma.fields.Integer(
        validate=ma.validate.Range(min=1),
        metadata={"description": "The version you read: a newer one on the server answers 409."},
    )


def documents_errors(blp: Blueprint, *statuses: int) -> Callable[[F], F]:
    """Document these error statuses of an endpoint, each answered with the ``Error`` schema.

    401 is added to every endpoint: all of them need a bearer token.
    """

    def decorator(func: F) -> F:
        for status in sorted({401, *statuses}, reverse=True):
            func = blp.alt_response(status, response=HTTPStatus(status).name)(func)
        return func

    return decorator
