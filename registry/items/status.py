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
from typing import Any, Literal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, false, func, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from registry.core.counting import Count, count_rows
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


@dataclass(frozen=True)
class _Branch:
    """One branch of the rule: the rows it takes (``when``) and, written so that a NULL cannot hide a row,
    the rows it lets through to the next branch (``unless``, the complement of ``when``). ``dated``: the
    branch takes only rows with a ``valid_until``; ``unless_dated``: the complement among those rows
    (None: they all go through), so that a dated status reads as a plain range the planner estimates
    and an index serves."""

    status: Status
    when: ColumnElement[bool]
    unless: ColumnElement[bool]
    dated: bool = False
    unless_dated: ColumnElement[bool] | Literal["same"] | None = "same"


def _other_states(state: ItemState) -> ColumnElement[bool]:
    return Item.state.in_([other.value for other in ItemState if other != state])


def _branches(today: date) -> list[_Branch]:
    """THE rule, branch by branch in order (rows that no branch takes are ``valid``)."""
    soon = today + timedelta(days=due_soon_days())
    material = Item.kind == ItemKind.REFERENCE_MATERIAL.value
    return [
        # The state's complement is the other states (an IN list, which an index serves; ``!=`` is not).
        _Branch(Status.RETIRED, Item.state == ItemState.RETIRED.value, _other_states(ItemState.RETIRED)),
        _Branch(
            Status.OUT_OF_SERVICE,
            Item.state == ItemState.OUT_OF_SERVICE.value,
            _other_states(ItemState.OUT_OF_SERVICE),
        ),
        _Branch(
            Status.VALID,
            and_(material, Item.valid_until.is_(None)),
            or_(~material, Item.valid_until.is_not(None)),
            unless_dated=None,
        ),
        _Branch(
            Status.NEVER,
            and_(Item.valid_until.is_(None), Item.last_result.is_(None)),
            or_(Item.valid_until.is_not(None), Item.last_result.is_not(None)),
            unless_dated=None,
        ),
        _Branch(
            Status.FAILED,
            Item.last_result == Result.FAIL.value,
            or_(Item.last_result.is_(None), Item.last_result != Result.FAIL.value),
        ),
        _Branch(
            Status.AWAITING_REVERIFICATION,
            Item.needs_reverification == true(),
            Item.needs_reverification == false(),
        ),
        _Branch(
            Status.OVERDUE,
            Item.valid_until < today,
            or_(Item.valid_until.is_(None), Item.valid_until >= today),
            dated=True,
            unless_dated=Item.valid_until >= today,
        ),
        _Branch(
            Status.DUE_SOON,
            Item.valid_until <= soon,
            or_(Item.valid_until.is_(None), Item.valid_until > soon),
            dated=True,
            unless_dated=Item.valid_until > soon,
        ),
    ]


def _fall_through(branches: list[_Branch], *, dated: bool) -> list[ColumnElement[bool]]:
    """The conditions of the rows that ``branches`` let through (among the rows with a date: ``dated``)."""
    if not dated:
        return [branch.unless for branch in branches]
    kept = [branch.unless if branch.unless_dated == "same" else branch.unless_dated for branch in branches]
    return [condition for condition in kept if condition is not None and not isinstance(condition, str)]


def status_expression(today: date) -> ColumnElement[str]:
    """The status of each row of ``items`` on ``today``, as one CASE expression (to show or group by)."""
    return case(
        *((branch.when, branch.status.value) for branch in _branches(today)), else_=Status.VALID.value
    )


def status_condition(status: Status, today: date) -> ColumnElement[bool]:
    """The rows of ``items`` whose status on ``today`` is ``status``, as plain conditions on the columns
    (``valid_until < :today AND state = …``) that an index on ``valid_until`` serves, which a comparison
    with :func:`status_expression` cannot: each branch's own condition and the complements of those
    before it, read off the same branches as the CASE expression."""
    branches = _branches(today)
    taken = [
        and_(*_fall_through(branches[:index], dated=branch.dated), branch.when)
        for index, branch in enumerate(branches)
        if branch.status == status
    ]
    if status == Status.VALID:
        taken.append(and_(*(branch.unless for branch in branches)))
    return or_(*taken) if len(taken) > 1 else taken[0]


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


def status_counts(conditions: list[ColumnElement[bool]], today: date) -> dict[Status, Count]:
    """How many rows meeting ``conditions`` have each status on ``today`` (zeros included): exact for a
    small set (one GROUP BY), and for a large one each status on its own, estimated above
    ``EXACT_UP_TO`` rows (:mod:`registry.core.counting` says why), so that the Department's tally over a
    million items reads the planner's statistics instead of every row."""
    rows = select(Item.id).where(*conditions)
    counts = dict.fromkeys(Status, Count(0))
    if count_rows(rows).exact:
        expression = status_expression(today)
        grouped = db.session.execute(select(expression, func.count()).where(*conditions).group_by(expression))
        for value, count in grouped:
            counts[Status(value)] = Count(count)
        return counts
    return {status: count_rows(rows.where(status_condition(status, today))) for status in Status}


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
