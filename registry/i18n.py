"""Language and time zone: Vietnamese by default, English on request; dates dd/mm/yyyy."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_datetime
from flask_login import current_user

from registry.extensions import babel

LANGUAGE_KEY = "lang"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    default = str(current_app.config["BABEL_DEFAULT_LOCALE"])
    if not has_request_context():
        return default
    if request.path.startswith("/api/"):
        # API clients say what they want in Accept-Language; Vietnamese when they do not.
        return request.accept_languages.best_match(languages) or default
    chosen = session.get(LANGUAGE_KEY)
    if chosen in languages:
        return str(chosen)
    if current_user.is_authenticated and current_user.locale in languages:
        return str(current_user.locale)
    return default


def format_day(value: date | datetime | None) -> str:
    """A calendar date as Vietnamese forms write it, dd/mm/yyyy, in both languages."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "dd/MM/yyyy")
    return value.strftime("%d/%m/%Y")


def format_moment(value: datetime | None) -> str:
    """A moment in Asia/Ho_Chi_Minh time: dd/mm/yyyy HH:MM."""
    return "" if value is None else format_datetime(value, "dd/MM/yyyy HH:mm")


def init_babel(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.filters["moment"] = format_moment
