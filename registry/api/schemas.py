"""Schema pieces and view classes shared by the domains' API endpoints."""

from __future__ import annotations

import functools
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar, cast

from flask.views import MethodView

from registry.api.blueprint import Blueprint
from registry.api.fields import Integer, Schema, String
from registry.api.idempotency import HEADER, idempotent
from registry.api.pagination import page_schema

F = TypeVar("F", bound=Callable[..., Any])


class ChangeSchema(Schema):
    """Every PATCH, amend and void: a required reason, and the version the caller read."""

    reason = String(
        required=True, metadata={"description": "Why the change is made; kept in the audit trail."}
    )
    version = Integer(
        metadata={"description": "The version you read: a newer one on the server answers 409."},
    )


IDEMPOTENCY_KEY = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": "A key of yours for this request (a UUID, say): a retry with the same key and the same "
    "body gets the first answer, and the event is recorded once. A different body with the same key: 422.",
}


def documents_errors(blp: Blueprint, *statuses: int) -> Callable[[F], F]:
    """Document these error statuses of an endpoint, each answered with the ``Error`` schema; that it is
    rate-limited (429); and, unless the blueprint is public, that it needs a bearer token (401 without
    one)."""

    def decorator(func: F) -> F:
        for status in sorted({*statuses, 429, *(() if blp.public else (401,))}, reverse=True):
            func = blp.alt_response(status, response=HTTPStatus(status).name)(func)
        if blp.public:
            func = blp.doc(security=[])(func)
        return func

    return decorator


def checked_first(check: Callable[[], None]) -> Callable[[F], F]:
    """Run ``check`` before the request's arguments are read, so that a caller it refuses hears 403 (or
    404), never a 422 about a body it may not send at all."""

    def decorator(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            check()
            return func(*args, **kwargs)

        return cast(F, wrapper)

    return decorator


def register_collection(
    blp: Blueprint,
    rule: str,
    endpoint: str,
    *,
    schema: type[Schema],
    list_args: type[Schema],
    list_rows: Callable[[dict[str, Any]], dict[str, Any]],
    create: Callable[[dict[str, Any]], Any],
    may_create: Callable[[], None],
    list_doc: str,
    create_doc: str,
    idempotent_create: bool = False,
) -> None:
    """``GET rule`` (a cursor page of ``schema``) and ``POST rule`` (201 with the created row), as the
    endpoint ``endpoint``. ``may_create`` refuses a caller with 403 before the body is read, so that a
    forbidden call never answers 422."""

    def get(self: MethodView, args: dict[str, Any]) -> dict[str, Any]:
        return list_rows(args)

    def post(self: MethodView, data: dict[str, Any]) -> Any:
        return create(data)

    get.__doc__, post.__doc__ = list_doc, create_doc

    listing = documents_errors(blp)(
        blp.arguments(list_args, location="query")(blp.response(200, page_schema(schema))(get))
    )
    creating = checked_first(may_create)(blp.arguments(schema)(blp.response(201, schema)(post)))
    if idempotent_create:
        creating = blp.doc(parameters=[IDEMPOTENCY_KEY])(idempotent(creating))
    creating = documents_errors(blp, 403)(creating)

    class Collection(MethodView):
        get = listing
        post = creating

    blp.route(rule, endpoint=endpoint)(Collection)
