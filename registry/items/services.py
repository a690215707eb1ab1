"""Item rules: registering, editing, transferring, relocating and retiring instruments, measurement
standards and reference materials, and the search column.

``user`` is who acts (its roles decide what it may do); ``None`` is a trusted caller acting for the
Department (the command line, a scheduler job), which must name the owner. Values come in under the
names the forms and the API use (see :mod:`registry.items.fields`); every
broken rule is reported at once, field by field, before anything is changed, so a refused request
leaves the row untouched. Access is checked here (:mod:`registry.items.access`), so the web and the API
give the same answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update

from registry.audit.services import set_reason
from registry.auth.models import User
from registry.core.errors import FieldErrors, ServiceError
from registry.core.services import check_version, require_reason
from registry.core.text import fold_all
from registry.core.validation import clean_text
from registry.extensions import db
from registry.items import access
from registry.items.fields import clean_fields
from registry.items.models import (
    Instrument,
    Item,
    ItemKind,
    ItemState,
    MeasurementStandard,
    ReferenceMaterial,
    Result,
    Use,
)
from registry.items.status import local_today
from registry.organisations.models import Organisation

T = TypeVar("T", bound=Item)

MODELS: dict[ItemKind, type[Item]] = {
    ItemKind.INSTRUMENT: Instrument,
    ItemKind.STANDARD: MeasurementStandard,
    ItemKind.REFERENCE_MATERIAL: ReferenceMaterial,
}

# What the cross-field rules read, current value overlaid with the change.
_RULE_ATTRIBUTES = (
    "instrument_type",
    "serial_number",
    "use",
    "interval_months",
    "acquired_on",
    "expiry_date",
    "name",
    "lot",
)


def search_text_of(item: Item, owner: Organisation | None = None) -> str:
    owner = owner or item.owner
    return fold_all(item.serial_number, item.manufacturer, item.model, item.name, owner.name)


# --- Cross-field rules ---------------------------------------------------------------------------------


def _check_unique(kind: ItemKind, owner: Organisation, values: dict[str, Any], item_id: int | None) -> None:
    stmt = select(Item.id).where(Item.owner_id == owner.id, Item.kind == kind.value)
    if item_id is not None:
        stmt = stmt.where(Item.id != item_id)
    if kind == ItemKind.INSTRUMENT:
        instrument_type = values.get("instrument_type")
        if instrument_type is None or not values.get("serial_number"):
            return
        stmt = stmt.where(Item.type_id == instrument_type.id, Item.serial_number == values["serial_number"])
        field, message = (
            "serial_number",
            _l(
                "%(owner)s already has a %(type)s with serial number %(serial)s.",
                owner=owner.code,
                type=instrument_type.code,
                serial=values["serial_number"],
            ),
        )
    elif kind == ItemKind.STANDARD:
        if not values.get("serial_number"):
            return
        stmt = stmt.where(Item.serial_number == values["serial_number"])
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


def _check_rules(
    kind: ItemKind,
    owner: Organisation,
    values: dict[str, Any],
    item_id: int | None,
    today: date,
    errors: FieldErrors,
) -> None:
    acquired_on = values.get("acquired_on")
    if acquired_on is not None and acquired_on > today:
        errors.add("acquired_on", _l("The acquisition date cannot be in the future."))
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
        _check_unique(kind, owner, values, item_id)
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


def _keep_validity(item: Item) -> None:
    """A reference material is valid until it expires: its validity IS its expiry date."""
    if isinstance(item, ReferenceMaterial):
        item.valid_until = item.expiry_date
        if item.expiry_date is not None and item.last_result is None:
            item.last_result = Result.PASS.value


# --- Creating ------------------------------------------------------------------------------------------


def create_item(
    user: User | None, kind: ItemKind, values: Mapping[str, Any], *, today: date | None = None
) -> Item:
    """Register an item of ``kind``. ``values`` holds the fields of :data:`fields.FIELDS` [kind] and
    optionally ``owner`` (an organisation code; the user's own organisation when left out)."""
    access.require_create(user, kind)
    today = today or local_today()
    errors = FieldErrors()
    owner: Organisation | None = None
    try:
        owner = access.resolve_owner(user, kind, values.get("owner"))
    except ServiceError as error:
        errors.absorb(error)
    cleaned = clean_fields(
        kind, {name: value for name, value in values.items() if name != "owner"}, creating=True, errors=errors
    )
    if owner is not None:
        _check_rules(kind, owner, cleaned, None, today, errors)
    errors.raise_if_any()
    assert owner is not None
    item = MODELS[kind](owner=owner, **cleaned)
    if kind == ItemKind.INSTRUMENT:
        # The site defaults to the owner's: the district of a fuel station is where it stands.
        if not item.site_address:
            item.site_address = owner.address or ""
        if item.site_admin_unit is None:
            item.site_admin_unit = owner.admin_unit
    _keep_validity(item)
    item.search_text = search_text_of(item, owner)
    db.session.add(item)
    db.session.flush()
    return item


def create_instrument(
    user: User | None, values: Mapping[str, Any], *, today: date | None = None
) -> Instrument:
    item = create_item(user, ItemKind.INSTRUMENT, values, today=today)
    assert isinstance(item, Instrument)
    return item


def create_standard(
    user: User | None, values: Mapping[str, Any], *, today: date | None = None
) -> MeasurementStandard:
    item = create_item(user, ItemKind.STANDARD, values, today=today)
    assert isinstance(item, MeasurementStandard)
    return item


def create_reference_material(
    user: User | None, values: Mapping[str, Any], *, today: date | None = None
) -> ReferenceMaterial:
    item = create_item(user, ItemKind.REFERENCE_MATERIAL, values, today=today)
    assert isinstance(item, ReferenceMaterial)
    return item


# --- Changing ------------------------------------------------------------------------------------------


def _new_owner(item: Item, code: Any) -> Organisation:
    if not isinstance(code, str) or not code.strip():
        raise ServiceError({"owner": _l("This field is required.")})
    owner = access.organisation_by_code(code)
    if owner is None:
        raise ServiceError({"owner": _l("No organisation with code %(code)s.", code=code.strip()[:50])})
    if owner.id == item.owner_id:
        raise ServiceError({"owner": _l("The item already belongs to %(code)s.", code=owner.code)})
    return owner


def update_item(
    user: User | None,
    item: T,
    changes: Mapping[str, Any],
    *,
    reason: str | None,
    version: int | None,
    today: date | None = None,
) -> T:
    """Change the fields named in ``changes``; ``owner`` (a code) transfers the item, the site fields
    relocate an instrument. The reason is required and audited; a stale ``version`` is a conflict."""
    access.require_change(user, item)
    if "owner" in changes:
        access.require_transfer(user)
    check_version(item, version)
    today = today or local_today()
    kind = ItemKind(item.kind)
    errors = FieldErrors()
    try:
        reason = require_reason(reason)
    except ServiceError as error:
        errors.absorb(error)
    owner = item.owner
    if "owner" in changes:
        try:
            owner = _new_owner(item, changes["owner"])
        except ServiceError as error:
            errors.absorb(error)
    fields = {name: value for name, value in changes.items() if name != "owner"}
    cleaned = clean_fields(kind, fields, creating=False, errors=errors)
    prospective = {name: getattr(item, name) for name in _RULE_ATTRIBUTES} | cleaned
    _check_rules(kind, owner, prospective, item.id, today, errors)
    errors.raise_if_any()

    for name, value in cleaned.items():
        setattr(item, name, value)
    item.owner = owner
    _keep_validity(item)
    item.search_text = search_text_of(item, owner)
    if db.session.is_modified(item, include_collections=False):
        set_reason(reason)
        db.session.flush()
    return item


def transfer_item(user: User | None, item: T, *, owner: str, reason: str | None, version: int | None) -> T:
    """Give the item to the organisation with code ``owner`` (the Department). Its site stays where it
    is: relocating is a separate act."""
    return update_item(user, item, {"owner": owner}, reason=reason, version=version)


def relocate_instrument(
    user: User | None,
    item: Instrument,
    *,
    site_address: str | None,
    site_admin_unit: str | None,
    reason: str | None,
    version: int | None,
) -> Instrument:
    """Move an instrument to another site (address and administrative unit code)."""
    return update_item(
        user,
        item,
        {"site_address": site_address, "site_admin_unit": site_admin_unit},
        reason=reason,
        version=version,
    )


def retire_item(user: User | None, item: T, *, reason: str | None, version: int | None) -> T:
    """Take the item out of the registry's reckoning for good. Nothing is ever deleted."""
    access.require_change(user, item)
    if item.state == ItemState.RETIRED:
        raise ServiceError({"_": _l("This item is already retired.")})
    return update_item(user, item, {"state": ItemState.RETIRED.value}, reason=reason, version=version)


# --- Lookup and search column --------------------------------------------------------------------------


def lookup_instruments(
    user: User | None, *, owner: str | None, serial_number: str | None
) -> list[Instrument]:
    """The instruments of the organisation with code ``owner`` whose serial number is exactly
    ``serial_number`` (one per type at most): what a lab may see of an instrument it is about to serve."""
    access.require_look_up(user)
    errors = FieldErrors()
    code = serial = ""
    try:
        code = clean_text(owner, field="owner", max_length=40)
    except ServiceError as error:
        errors.absorb(error)
    try:
        serial = clean_text(serial_number, field="serial_number", max_length=80)
    except ServiceError as error:
        errors.absorb(error)
    errors.raise_if_any()
    organisation = access.organisation_by_code(code)
    if organisation is None:
        return []
    stmt = (
        select(Instrument)
        .where(Instrument.owner_id == organisation.id, Instrument.serial_number == serial)
        .order_by(Instrument.id)
    )
    return list(db.session.scalars(stmt))


def refresh_owner_search_text(organisation: Organisation) -> int:
    """Rewrite the search column of ``organisation``'s items after its name changed (the column folds
    the owner's name in). Call it from ``update_organisation`` whenever the name changes.

    A derived column only: written without bumping the items' versions or auditing every item (the
    organisation's own audit event records the rename). Gives the number of items rewritten."""
    table = Item.__table__
    with db.session.no_autoflush:
        rows = db.session.execute(
            select(
                table.c.id, table.c.serial_number, table.c.manufacturer, table.c.model, table.c.name
            ).where(table.c.owner_id == organisation.id)
        ).all()
        if not rows:
            return 0
        params = [{"item_id": row.id, "text": fold_all(*row[1:], organisation.name)} for row in rows]
        db.session.execute(
            update(table).where(table.c.id == bindparam("item_id")).values(search_text=bindparam("text")),
            params,
        )
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Item) and obj.owner_id == organisation.id:
            db.session.expire(obj, ["search_text"])
    return len(rows)
