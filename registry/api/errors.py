"""One error shape for the whole API: ``{"error": {"code", "message", "fields"}}``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from registry.core.errors import ServiceError

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


class ErrorBodySchema(ma.Schema):
    code = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    # "fields" is taken by marshmallow's Schema itself, hence the attribute name.
    field_errors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), data_key="fields")


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBodySchema, required=True)


def _flatten(messages: Any, prefix: str = "") -> dict[str, str]:
    """webargs' nested ``{"json": {"name": ["Missing data"]}}`` as ``{"name": "Missing data"}``."""
    if isinstance(messages, Mapping):
        flat: dict[str, str] = {}
        for key, value in messages.items():
            if key in {"json", "query", "form", "view_args", "headers"} and not prefix:
                flat.update(_flatten(value))
            else:
                flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(messages, list | tuple):
        if all(isinstance(item, str) for item in messages):
            return {prefix or "_": " ".join(messages)}
        flat = {}
        for value in messages:
            flat.update(_flatten(value, prefix))
        return flat
    return {prefix or "_": str(messages)}


def error_response(
    status: int, message: str, fields: Mapping[str, object] | None = None, code: str | None = None
) -> tuple[Response, int]:
    body = {
        "error": {
            "code": code or HTTP_CODES.get(status, "error"),
            "message": message,
            "fields": {key: str(value) for key, value in (fields or {}).items()},
        }
    }
    return jsonify(body), status


def http_error_response(error: HTTPException) -> tuple[Response, int]:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    fields = _flatten(data.get("messages") or data.get("errors") or {})
    message = data.get("message") or (error.description if status != 500 else "Internal error.")
    if fields and not data.get("message"):
        message = "; ".join(f"{name}: {why}" for name, why in fields.items())
    response, status = error_response(status, str(message), fields)
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    return response, status


def register_service_error_handler(app: Flask) -> None:
    from registry.web import is_api_request

    @app.errorhandler(ServiceError)
    def _service_error(error: ServiceError) -> tuple[Response, int]:
        if not is_api_request():
            raise error
        return error_response(error.status_code, str(error.message), error.fields, code=error.code)
