"""The web side: blueprints, the per-request commit point, security headers and error pages."""

from __future__ import annotations

from flask import Flask, Response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from registry.api.errors import error_response, http_error_response, is_api_request, summary
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
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.endpoint and not request.endpoint.startswith("static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(StaleDataError)
    def _concurrent_update(error: StaleDataError) -> tuple[Response | str, int]:
        """Two requests saved the same row at once: the later one loses, as with a stale version."""
        db.session.rollback()
        message = _("Someone else changed this record at the same moment. Reload it and try again.")
        if is_api_request():
            return error_response(409, message, {"version": message})
        return render_template("errors/error.html", code=409, message=message), 409

    @app.errorhandler(ServiceError)
    def _service_error(error: ServiceError) -> tuple[Response | str, int]:
        """A refusal no form caught: the row is hidden (404), forbidden (403), changed meanwhile (409)…"""
        if is_api_request():
            message = summary(error.fields) if len(error.fields) > 1 else error.message
            return error_response(error.status_code, message, error.fields, code=error.code)
        if isinstance(error, NotFoundError) or not str(error.message):
            message = error_messages().get(error.status_code, "")
        else:
            message = str(error.message)
        return render_template(
            "errors/error.html", code=error.status_code, message=message
        ), error.status_code

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[Response | str, int]:
        if is_api_request():
            return http_error_response(error)
        if isinstance(error, CSRFError):
            message = _("The form has expired or was not sent from this site. Reload the page and try again.")
        else:
            message = error_messages().get(error.code or 500, error.description or "")
        return render_template("errors/error.html", code=error.code, message=message), error.code or 500


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
