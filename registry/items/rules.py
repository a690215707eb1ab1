"""The rules between an item's fields (the fields themselves: :mod:`.fields`): unique serial numbers and
lots, dates in order, the interval an instrument needs, and a reference material's validity."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.core.errors import FieldErrors, ServiceError
from registry.extensions import db
from registry.items.models import Item, ItemKind, Use
from registry.items.search import serial_key
from registry.organisations.models import Organisation

# What the cross-field rules read, current value overlaid with the change.
RULE_ATTRIBUTES = (
    "instrument_type",
    "serial_number",
    "use",
    "interval_months",
    "acquired_on",
    "expiry_date",
    "name",
    "lot",
)


# --- Cross-field rules ---------------------------------------------------------------------------------


# Whether an instrument's (type id, serial key) is taken already: by default asked of the database; a file
# import asks a set it read once.
Taken = Callable[[tuple[int, str]], bool]


def _instrument_taken(owner: Organisation, values: dict[str, Any]) -> object:
    return _l(
        "%(owner)s already has a %(type)s with serial number %(serial)s.",
        owner=owner.code,
        type=values["instrument_type"].code,
        serial=values["serial_number"],
    )


def _check_unique(
    kind: ItemKind, owner: Organisation, values: dict[str, Any], item_id: int | None, taken: Taken | None
) -> None:
    if kind == ItemKind.INSTRUMENT:
        instrument_type = values.get("instrument_type")
        if instrument_type is None or not values.get("serial_number"):
            return
        key = (instrument_type.id, serial_key(values["serial_number"]))
        if taken is not None:
            # A file import: a set read once, not a query a row.
            if taken(key):
                raise ServiceError({"serial_number": _instrument_taken(owner, values)})
            return
    stmt = select(Item.id).where(Item.owner_id == owner.id, Item.kind == kind.value)
    if item_id is not None:
        stmt = stmt.where(Item.id != item_id)
    if kind == ItemKind.INSTRUMENT:
        stmt = stmt.where(Item.type_id == key[0], Item.serial_key == key[1])
        field, message = "serial_number", _instrument_taken(owner, values)
    elif kind == ItemKind.STANDARD:
        if not values.get("serial_number"):
            return
        stmt = stmt.where(Item.serial_key == serial_key(values["serial_number"]))
        field, message = (
            "serial_number",
            _l(
                "%(owner)s already has a standard with serial number %(serial)s.",
                owner=owner.code,
                serial=values["serial_number"],
            ),
        )
    else:
        if not values.get("lot") or not values.get("name"):
            return
        stmt = stmt.where(Item.name == values["name"], Item.lot == values["lot"])
        field, message = (
            "lot",
            _l(
                "%(owner)s already has lot %(lot)s of this reference material.",
                owner=owner.code,
                lot=values["lot"],
            ),
        )
    if db.session.scalar(stmt.limit(1)) is not None:
        raise ServiceError({field: message})


def check_rules(
    kind: ItemKind,
    owner: Organisation,
    values: dict[str, Any],
    item_id: int | None,
    today: date,
    errors: FieldErrors,
    taken: Taken | None = None,
) -> None:
    acquired_on = values.get("acquired_on")  # not in the future: fields.py reads it so
    if kind == ItemKind.REFERENCE_MATERIAL:
        expiry = values.get("expiry_date")
        if expiry is not None and acquired_on is not None and expiry < acquired_on:
            errors.absorb(
                ServiceError({"expiry_date": _l("The expiry date is before the acquisition date.")})
            )
    if kind == ItemKind.INSTRUMENT:
        _check_interval(values, today, errors)
    if "serial_number" in errors.fields or "lot" in errors.fields:
        return
    try:
        _check_unique(kind, owner, values, item_id, taken)
    except ServiceError as error:
        errors.absorb(error)


def _check_interval(values: dict[str, Any], today: date, errors: FieldErrors) -> None:
    """Internal-use instruments are calibrated: the owner sets the interval. Legal-use ones are verified
    on the legal cycle: an interval may only shorten it."""
    interval, use = values.get("interval_months"), values.get("use")
    if use == Use.INTERNAL and interval is None:
        errors.absorb(
            ServiceError(
                {
                    "interval_months": _l(
                        "Give the calibration interval: instruments in internal use are calibrated, "
                        "not verified."
                    )
                }
            )
        )
    instrument_type = values.get("instrument_type")
    if use != Use.LEGAL or interval is None or instrument_type is None:
        return
    rule = instrument_type.rule_on(today)
    if rule is not None and rule.cycle_months is not None and interval > rule.cycle_months:
        errors.absorb(
            ServiceError(
                {
                    "interval_months": _l(
                        "The legal cycle of %(type)s is %(cycle)d months: an interval may only shorten it.",
                        type=instrument_type.code,
                        cycle=rule.cycle_months,
                    )
                }
            )
        )
