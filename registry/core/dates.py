"""The day it is for the registry's users, and the parsing of dates typed or sent to it."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l

from registry.core.errors import ServiceError
from registry.i18n import format_day

# The two ways a date is written: ISO 8601's extended form (the API, the browser's date picker), and
# dd/mm/yyyy as Vietnamese forms write it by hand (d/m/yyyy too). Nothing else: not the basic ISO form
# "20260101", not "2026-1-1", nor a two-digit year, nor digits of other scripts.
ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
TYPED_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})\Z")
# The days a date of the registry can fall on: an instrument bought, a certificate issued or a validity
# ending before 1900 or after 2200 is a typing mistake (year 0001, 20266-01-01…).
EARLIEST = date(1900, 1, 1)
LATEST = date(2200, 12, 31)


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


def clean_date(value: object, *, field: str, required: bool = True, past: bool = False) -> date | None:
    """A date given as a date, as ISO text YYYY-MM-DD (the API, the browser's date picker) or as
    dd/mm/yyyy (typed by hand, as Vietnamese forms write it); empty is no date, refused when ``required``.
    Every date lies between :data:`EARLIEST` and :data:`LATEST`; a ``past`` one (a day something
    happened: bought, performed, issued, repaired) is not after today."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ServiceError({field: _l("This field is required.")})
        return None
    day = _read_date(value)
    if day is None:
        raise ServiceError({field: _l("Enter a date as dd/mm/yyyy or YYYY-MM-DD.")})
    if day < EARLIEST:
        raise ServiceError({field: _l("Enter a date from %(day)s on.", day=format_day(EARLIEST))})
    if past and day > local_today():
        raise ServiceError({field: _l("This date cannot be in the future.")})
    if day > LATEST:
        raise ServiceError({field: _l("Enter a date up to %(day)s.", day=format_day(LATEST))})
    return day


def iso_date(text: str) -> date:
    """A date written YYYY-MM-DD, as data files and the API write it; ValueError for anything else (the
    basic form "20260101" and the week and ordinal forms that ``date.fromisoformat`` reads too)."""
    match = ISO_DATE.match(text)
    if match is None:
        raise ValueError(f"not a YYYY-MM-DD date: {text[:40]!r}")
    year, month, day = (int(part) for part in match.groups())
    return date(year, month, day)


def _read_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if ISO_DATE.match(text):
            return iso_date(text)
        if match := TYPED_DATE.match(text):
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
    except ValueError:  # 31/02, month 13…
        return None
    return None


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
