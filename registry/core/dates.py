"""The day it is for the registry's users, and the parsing of dates typed or sent to it."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l

from registry.core.errors import ServiceError

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


def local_timezone() -> ZoneInfo:
    """Where the registry's users live: ``BABEL_DEFAULT_TIMEZONE`` (Asia/Ho_Chi_Minh)."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def local_today() -> date:
    """Today where the registry's users live (``BABEL_DEFAULT_TIMEZONE``); or the day :func:`today_is`
    fixes for the work in hand; or the configured ``TODAY`` (a demo site frozen on one day)."""
    replayed = _replayed_day.get()
    if replayed is not None:
        return replayed
    fixed = current_app.config.get("TODAY")
    if fixed is not None:
        return fixed if isinstance(fixed, date) else date.fromisoformat(str(fixed))
    return datetime.now(local_timezone()).date()


def clean_date(value: object, *, field: str, required: bool = True) -> date | None:
    """A date given as a date, as ISO text (the API, the browser's date picker) or as dd/mm/yyyy (typed
    by hand, as Vietnamese forms write it); empty is no date, refused when ``required``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ServiceError({field: _l("This field is required.")})
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        for fmt in DATE_FORMATS:
            try:
                return datetime.strptime(value.strip(), fmt).date()
            except ValueError:
                continue
    raise ServiceError({field: _l("Enter a date as dd/mm/yyyy or YYYY-MM-DD.")})


_replayed_day: contextvars.ContextVar[date | None] = contextvars.ContextVar("replayed_day", default=None)


@contextmanager
def today_is(day: date) -> Iterator[None]:
    """Work as if on ``day`` inside the block (this thread or task only): a job replayed with
    ``jobs run --today``, the demo's fixed history, a test."""
    token = _replayed_day.set(day)
    try:
        yield
    finally:
        _replayed_day.reset(token)
