"""The web side: blueprints, the per-request commit point, security headers and error pages."""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, Response, current_app, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from registry.api.errors import HTTP_CODES, error_response, http_error_response, is_api_request, summary
from registry.core.errors import NotFoundError, ServiceError
from registry.core.transactions import kept_on_refusal
from registry.extensions import db
from registry.templating import init_templating

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

# Sent over HTTPS only (RFC 6797 forbids it over plain HTTP): behind a reverse proxy the request is known to
# be HTTPS from X-Forwarded-Proto, which ProxyFix trusts when TRUSTED_PROXY_COUNT is set.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"

# The page answered when the error page itself cannot be rendered (a template, a translation or the
# database failing): plain text in both languages, nothing that could fail in turn.
FALLBACK_PAGE = """<!doctype html>
<html lang="vi">
<head><meta charset="utf-8"><title>{status}</title></head>
<body>
<h1>{status}</h1>
<p>Không thể hiển thị trang này. <span lang="en">This page cannot be shown: {phrase}.</span></p>
<p><a href="/">Trang chủ</a> · <a href="/" lang="en">Home</a></p>
</body>
</html>
"""

Handler = TypeVar("Handler", bound=Callable[..., Response])


def init_app(app: Flask) -> None:
    """The commit point, headers and error pages; the blueprints are registered by ``create_app``."""
    init_templating(app)

    @app.after_request
    def _commit_point(response: Response) -> Response:
        """The one commit of a request: kept on success (or on a refusal whose record must stand), rolled
        back on any other error response."""
        if response.status_code < 400 or kept_on_refusal():
            db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.after_request
    def _security_headers(response: Response) -> Response:
        apply_security_headers(response)
        if request.endpoint and not request.endpoint.startswith("static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(StaleDataError)
    @never_raises
    def _concurrent_update(error: StaleDataError) -> Response:
        """Two requests saved the same row at once: the later one loses, as with a stale version."""
        db.session.rollback()
        message = _("Someone else changed this record at the same moment. Reload it and try again.")
        if is_api_request():
            return _response(error_response(409, message, {"version": message}))
        return error_page(409, message)

    @app.errorhandler(IntegrityError)
    @never_raises
    def _concurrent_insert(error: IntegrityError) -> Response:
        """The services check every rule before writing, so a row the database refuses was taken by another
        request committed meanwhile (two registrations of one serial number at the same moment on
        PostgreSQL): the later one loses, as with a stale version. Logged, in case it was a missed rule."""
        db.session.rollback()
        app.logger.warning("A write broke a database constraint, answered 409: %s", error.orig)
        message = _("Someone else saved the same record at the same moment. Reload it and try again.")
        if is_api_request():
            return _response(error_response(409, message))
        return error_page(409, message)

    @app.errorhandler(ServiceError)
    @never_raises
    def _service_error(error: ServiceError) -> Response:
        """A refusal no form caught: the row is hidden (404), forbidden (403), changed meanwhile (409)…"""
        if is_api_request():
            message = summary(error.fields) if len(error.fields) > 1 else error.message
            return _response(error_response(error.status_code, message, error.fields, code=error.code))
        if isinstance(error, NotFoundError) or not str(error.message):
            message = error_messages().get(error.status_code, "")
        else:
            message = str(error.message)
        return error_page(error.status_code, message)

    @app.errorhandler(HTTPException)
    @never_raises
    def _http_error(error: HTTPException) -> Response:
        if is_api_request():
            return _response(http_error_response(error))
        if isinstance(error, CSRFError):
            message = _("The form has expired or was not sent from this site. Reload the page and try again.")
        else:
            message = error_messages().get(error.code or 500, error.description or "")
        return _with_headers_of(error, error_page(error.code or 500, message))


def apply_security_headers(response: Response) -> Response:
    """The headers every response carries, error pages included; HSTS when the request came over HTTPS."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    return response


def error_page(status: int, message: str) -> Response:
    """The application's error page, with ``status``."""
    return make_response(render_template("errors/error.html", code=status, message=message), status)


def _with_headers_of(error: BaseException, response: Response) -> Response:
    """The headers an HTTP error brings (Allow on a 405, Retry-After…) on the page that answers it."""
    if isinstance(error, HTTPException):
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
    return response


def _response(value: tuple[Response, int]) -> Response:
    response, status = value
    response.status_code = status
    return response


def _status_of(error: BaseException) -> int:
    if isinstance(error, HTTPException):
        return error.code or 500
    if isinstance(error, ServiceError):
        return error.status_code
    if isinstance(error, StaleDataError | IntegrityError):
        return 409
    return 500


def never_raises(handler: Handler) -> Handler:
    """An error handler that cannot fail: should it raise (a template, a translation, the database), the
    error is logged and a minimal page (or the API's error) answers instead, with the same status and the
    security headers — never Werkzeug's bare 500."""

    @functools.wraps(handler)
    def wrapper(error: BaseException) -> Response:
        try:
            return handler(error)
        except Exception:
            current_app.logger.exception("The error handler for %r failed; answering the fallback", error)
            response = fallback_response(_status_of(error))
            with contextlib.suppress(Exception):
                _with_headers_of(error, response)
            return response

    return wrapper  # type: ignore[return-value]


def fallback_response(status: int) -> Response:
    """The answer when the error page cannot be rendered: nothing here reads the request's body, the
    session, the database or the translations."""
    phrase = HTTP_STATUS_CODES.get(status, "Error")
    if is_api_request():
        body = {"error": {"code": HTTP_CODES.get(status, "error"), "message": phrase, "fields": {}}}
        response = Response(json.dumps(body), status, mimetype="application/json")
    else:
        response = Response(
            FALLBACK_PAGE.format(status=status, phrase=escape(phrase)), status, mimetype="text/html"
        )
    response.headers["Cache-Control"] = "no-store"
    return apply_security_headers(response)


def error_messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        403: _("You do not have permission to do this."),
        404: _("This page does not exist, or you cannot see it."),
        405: _("This action is not allowed here."),
        413: _("The upload is too large."),
        429: _("Too many requests. Wait a few minutes and try again."),
        500: _("Something went wrong on our side. The error has been logged."),
    }
