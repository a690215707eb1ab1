"""An item's status on a day: ONE SQL expression for lists, counts, filters and reminders, and its
Python twin for a single row already in memory (the tests prove the two agree on every branch).

The order of the branches is the rule: a retired or out-of-service item is that first; a reference
material with no expiry date does not expire (``valid``: its validity is its expiry date, it is never
verified); then an item with no valid result has ``never``; a failed result is ``failed``; repaired (or
its seal broken) and waiting for its verification after repair, ``awaiting_reverification``; past its
validity, ``overdue`` (for a reference material: expired, to be replaced); within the ``DUE_SOON_DAYS``
setting of its end, ``due_soon``; else ``valid``.
An item with a passing result and no end date (a passed initial verification of a type whose rule has no
periodic verification: valid for the instrument's life) stays valid.

Dates are compared with bound parameters (``today`` and ``today + due_soon_days``), never subtracted in
SQL, so the expression means the same on SQLite (dates as ISO text) and on PostgreSQL.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select
from sqlalchemy.sql.elements import ColumnElement

from registry.extensions import db
from registry.i18n import format_day
from registry.items.models import Item, ItemKind, ItemState, Result


class Status(enum.StrEnum):
    RETIRED = "retired"
    OUT_OF_SERVICE = "out_of_service"
    NEVER = "never"
    FAILED = "failed"
    AWAITING_REVERIFICATION = "awaiting_reverification"
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    VALID = "valid"


STATUS_LABELS = {
    Status.VALID: _l("Valid"),
    Status.DUE_SOON: _l("Due soon"),
    Status.OVERDUE: _l("Overdue"),
    Status.AWAITING_REVERIFICATION: _l("Awaiting verification after repair"),
    Status.FAILED: _l("Failed"),
    Status.NEVER: _l("No valid result"),
    Status.OUT_OF_SERVICE: _l("Out of service"),
    Status.RETIRED: _l("Retired"),
}

# Bootstrap badge classes: colour and words together, never colour alone.
STATUS_CLASSES = {
    Status.VALID: "text-bg-success",
    Status.DUE_SOON: "text-bg-warning",
    Status.OVERDUE: "text-bg-danger",
    Status.AWAITING_REVERIFICATION: "text-bg-danger",
    Status.FAILED: "text-bg-danger",
    Status.NEVER: "text-bg-secondary",
    Status.OUT_OF_SERVICE: "text-bg-light border",
    Status.RETIRED: "text-bg-dark",
}

# A reference material is not verified: past its expiry date it is replaced (DESIGN §2 "Status").
EXPIRED_LABEL = _l("Expired — replace")


def status_labels(kind: ItemKind | str | None = None) -> dict[Status, Any]:
    """The words of each status for items of ``kind`` (a reference material's ``overdue`` is "expired")."""
    if kind == ItemKind.REFERENCE_MATERIAL:
        return {**STATUS_LABELS, Status.OVERDUE: EXPIRED_LABEL}
    return STATUS_LABELS


def due_soon_days() -> int:
    """How many days before its end a validity is "due soon" (the ``DUE_SOON_DAYS`` setting)."""
    return int(current_app.config["DUE_SOON_DAYS"])


def status_expression(today: date) -> ColumnElement[str]:
    """The status of each row of ``items`` on ``today``, as one CASE expression."""
    soon = today + timedelta(days=due_soon_days())
    return case(
        (Item.state == ItemState.RETIRED.value, Status.RETIRED.value),
        (Item.state == ItemState.OUT_OF_SERVICE.value, Status.OUT_OF_SERVICE.value),
        (
            and_(Item.kind == ItemKind.REFERENCE_MATERIAL.value, Item.valid_until.is_(None)),
            Status.VALID.value,
        ),
        (and_(Item.valid_until.is_(None), Item.last_result.is_(None)), Status.NEVER.value),
        (Item.last_result == Result.FAIL.value, Status.FAILED.value),
        (Item.needs_reverification.is_(True), Status.AWAITING_REVERIFICATION.value),
        (Item.valid_until < today, Status.OVERDUE.value),
        (Item.valid_until <= soon, Status.DUE_SOON.value),
        else_=Status.VALID.value,
    )


def status_of(item: Item, today: date) -> Status:
    """The Python twin of :func:`status_expression`, branch for branch."""
    if item.state == ItemState.RETIRED:
        return Status.RETIRED
    if item.state == ItemState.OUT_OF_SERVICE:
        return Status.OUT_OF_SERVICE
    if item.kind == ItemKind.REFERENCE_MATERIAL and item.valid_until is None:
        return Status.VALID
    if item.valid_until is None and item.last_result is None:
        return Status.NEVER
    if item.last_result == Result.FAIL:
        return Status.FAILED
    if item.needs_reverification:
        return Status.AWAITING_REVERIFICATION
    if item.valid_until is not None and item.valid_until < today:
        return Status.OVERDUE
    if item.valid_until is not None and item.valid_until <= today + timedelta(days=due_soon_days()):
        return Status.DUE_SOON
    return Status.VALID


def status_counts(conditions: list[ColumnElement[bool]], today: date) -> dict[Status, int]:
    """How many rows meeting ``conditions`` have each status on ``today`` (zeros included)."""
    expression = status_expression(today)
    rows = db.session.execute(select(expression, func.count()).where(*conditions).group_by(expression))
    counts = dict.fromkeys(Status, 0)
    for value, count in rows:
        counts[Status(value)] = count
    return counts


@dataclass(frozen=True)
class StatusView:
    """What a page shows: the status, its words (with the date that matters) and its colour."""

    status: Status
    label: str
    text: str  # a sentence that stands alone ("Overdue: valid until 31/01/2025")
    detail: str  # what the badge beside it does not say already ("valid until 31/01/2025")
    css: str


def describe(item: Item, today: date) -> StatusView:
    """Reads the item's status and kind, valid_until, last_event_on and repaired_on (and nothing else:
    :func:`describe_many` keys its wording on them)."""
    status = status_of(item, today)
    day = format_day(item.valid_until)
    material = item.kind == ItemKind.REFERENCE_MATERIAL
    texts: dict[Status, Any] = {
        Status.RETIRED: _l("Retired"),
        Status.OUT_OF_SERVICE: _l("Out of service"),
        Status.NEVER: _l("No valid verification or calibration yet"),
        Status.FAILED: _l("Failed on %(date)s", date=format_day(item.last_event_on))
        if item.last_event_on
        else _l("Failed"),
        Status.AWAITING_REVERIFICATION: _l(
            "Repaired on %(date)s: awaiting verification after repair", date=format_day(item.repaired_on)
        )
        if item.repaired_on
        else _l("Awaiting verification after repair"),
        Status.OVERDUE: _l("Expired on %(date)s: replace it", date=day)
        if material
        else _l("Overdue: valid until %(date)s", date=day),
        Status.DUE_SOON: _l("Due on %(date)s", date=day),
        Status.VALID: _l("Valid until %(date)s", date=day)
        if item.valid_until
        else _l("Valid (no expiry date)")
        if material
        else _l("Valid (initial verification only)"),
    }
    details: dict[Status, Any] = {
        Status.FAILED: _l("on %(date)s", date=format_day(item.last_event_on)) if item.last_event_on else "",
        Status.AWAITING_REVERIFICATION: _l("repaired on %(date)s", date=format_day(item.repaired_on))
        if item.repaired_on
        else "",
        Status.OVERDUE: _l("expired on %(date)s", date=day)
        if material
        else _l("valid until %(date)s", date=day),
        Status.DUE_SOON: _l("valid until %(date)s", date=day),
        Status.VALID: _l("until %(date)s", date=day)
        if item.valid_until
        else _l("no expiry date")
        if material
        else _l("initial verification only"),
    }
    label = status_labels(item.kind)[status]
    return StatusView(
        status, str(label), str(texts[status]), str(details.get(status, "")), STATUS_CLASSES[status]
    )


def describe_many(items: Iterable[Item], today: date) -> dict[int, StatusView]:
    """:func:`describe` of many items by id, each distinct description worded once: a reminders run
    describes hundreds of thousands of items, most of them sharing their status and dates."""
    described: dict[tuple[Any, ...], StatusView] = {}
    result = {}
    for item in items:
        key = (
            status_of(item, today),
            item.kind,
            item.valid_until,
            item.last_event_on,
            item.repaired_on,
        )
        if key not in described:
            described[key] = describe(item, today)
        result[item.id] = described[key]
    return result
