"""One error shape for the whole API: ``{"error": {"code", "message", "fields"}}``.

Messages are in the caller's language (``Accept-Language``, Vietnamese by default): service errors and the
schemas' own messages (:mod:`registry.api.fields`) are lazy gettext strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask import Response, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
}

# The field name of an error about the request (or its body) as a whole.
WHOLE = "_"


class ErrorBodySchema(ma.Schema):
    code = ma.fields.String(
        required=True, metadata={"description": "Machine-readable: validation_error, not_found, conflict…"}
    )
    message = ma.fields.String(
        required=True, metadata={"description": "For people, in the caller's language."}
    )
    # "fields" is taken by marshmallow's Schema itself, hence the attribute name.
    field_errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        required=True,
        data_key="fields",
        metadata={"description": 'What is wrong with each field; "_" for the request as a whole.'},
    )


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBodySchema, required=True)


def http_message(status: int) -> str:
    """The message of an HTTP error that says nothing more specific, in the caller's language."""
    messages = {
        400: _("The request could not be understood."),
        401: _("A valid bearer token is required."),
        403: _("You do not have permission to do this."),
        404: _("No such resource, or you cannot see it."),
        405: _("This action is not allowed here."),
        413: _("The upload is too large."),
        429: _("Too many requests. Wait a few minutes and try again."),
    }
    if status in messages:
        return messages[status]
    if status < 500:
        return messages[400]
    return _("Something went wrong on our side. The error has been logged.")


def _flatten(messages: Any, prefix: str = "") -> dict[str, str]:
    """webargs' nested ``{"json": {"name": ["Missing data"]}}`` as ``{"name": "Missing data"}``."""
    if isinstance(messages, Mapping):
        flat: dict[str, str] = {}
        for key, value in messages.items():
            if not prefix and key in {"json", "query", "form", "view_args", "headers", "querystring"}:
                flat.update(_flatten(value))
            elif key == ma.exceptions.SCHEMA:
                flat.update(_flatten(value, prefix))
            else:
                flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(messages, list | tuple):
        if not any(isinstance(item, Mapping | list | tuple) for item in messages):
            return {prefix or WHOLE: " ".join(str(item) for item in messages)}
        flat = {}
        for value in messages:
            flat.update(_flatten(value, prefix))
        return flat
    return {prefix or WHOLE: str(messages)}


def summary(fields: Mapping[str, object]) -> str:
    """The message for a list of field errors: the error itself when there is only one."""
    if len(fields) == 1:
        return str(next(iter(fields.values())))
    return _('Some fields are not valid: see "fields".')


def error_response(
    status: int, message: object, fields: Mapping[str, object] | None = None, code: str | None = None
) -> tuple[Response, int]:
    body = {
        "error": {
            "code": code or HTTP_CODES.get(status, "error"),
            "message": str(message),
            "fields": {key: str(value) for key, value in (fields or {}).items()},
        }
    }
    return jsonify(body), status


def http_error_response(error: HTTPException) -> tuple[Response, int]:
    """An HTTP error (webargs' validation errors included) in our shape, keeping its headers (Allow…)."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    fields = _flatten(data.get("messages") or data.get("errors") or {})
    if data.get("message"):
        message = str(data["message"])
    elif fields:
        message = summary(fields)
    else:
        message = http_message(status)
    response, status = error_response(status, message, fields)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    return response, status


def is_api_request() -> bool:
    return request.path.startswith("/api/")
