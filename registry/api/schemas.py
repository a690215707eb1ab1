"""Schema pieces shared by the API endpoints."""

from __future__ import annotations

import functools
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

import marshmallow as ma
from flask.views import MethodView

from registry.api.blueprint import Blueprint
from registry.api.pagination import page_schema

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


def register_collection(
    blp: Blueprint,
    rule: str,
    name: str,
    *,
    schema: type[ma.Schema],
    list_args: type[ma.Schema],
    list_rows: Callable[[dict[str, Any]], dict[str, Any]],
    create: Callable[[dict[str, Any]], Any],
    may_create: Callable[[], None],
    list_doc: str,
    create_doc: str,
) -> None:
    """``GET rule`` (a cursor page of ``schema``) and ``POST rule`` (201 with the created row) as the
    MethodView ``name`` (its endpoint name). ``may_create`` refuses a caller with 403 before the body is
    read, so that a forbidden call never answers 422."""

    def get(self: MethodView, args: dict[str, Any]) -> dict[str, Any]:
        return list_rows(args)

    def post(self: MethodView, data: dict[str, Any]) -> Any:
        return create(data)

    get.__doc__, post.__doc__ = list_doc, create_doc
    listing = blp.arguments(list_args, location="query")(blp.response(200, page_schema(schema))(get))
    creating = blp.arguments(schema)(blp.response(201, schema)(post))

    @functools.wraps(creating)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        may_create()
        return creating(*args, **kwargs)

    view = type(
        name,
        (MethodView,),
        {"get": documents_errors(blp)(listing), "post": documents_errors(blp, 403)(guarded)},
    )
    blp.route(rule)(view)
