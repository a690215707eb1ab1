"""Item rules: registering, editing, transferring, relocating and retiring instruments, measurement
standards and reference materials, and finding them.

``actor`` is who acts; the policy (:mod:`registry.auth.policy`) decides what it may do, from the models'
declarations. Values come in as the forms and the API send them, under the names of
:mod:`registry.items.fields`; every broken rule is reported at once, field by field, before anything is
changed, so a refused request leaves the row untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.audit import services as audit
from registry.auth import policy
from registry.auth.policy import Actor, Permission
from registry.core.dates import local_today
from registry.core.errors import FieldErrors, NotFoundError, ServiceError
from registry.core.models import MAX_ID
from registry.core.services import check_version, require_reason
from registry.core.validation import clean_identifier
from registry.extensions import db
from registry.items.fields import clean_fields
from registry.items.models import (
    MODELS,
    Instrument,
    Item,
    ItemKind,
    ItemState,
    MeasurementStandard,
    ReferenceMaterial,
    Result,
)
from registry.items.rules import RULE_ATTRIBUTES, Taken, check_rules
from registry.items.search import ItemFilters, filter_conditions, search_columns_of, serial_key
from registry.items.status import status_counts
from registry.organisations.models import Organisation
from registry.organisations.services import find_by_code

T = TypeVar("T", bound=Item)


def _keep_validity(item: Item) -> None:
    """A reference material is valid until it expires: its validity IS its expiry date."""
    if isinstance(item, ReferenceMaterial):
        item.valid_until = item.expiry_date
        if item.expiry_date is not None and item.last_result is None:
            item.last_result = Result.PASS.value


# --- Creating ------------------------------------------------------------------------------------------


def _owner(actor: Actor, kind: ItemKind, code: object) -> Organisation:
    """The owner of a new item of ``kind``: the organisation with ``code``, or the actor's own when it is
    empty. A refusal never tells a hidden organisation from a missing one."""
    text = clean_identifier(code, field="owner", max_length=None, required=False) if code else ""
    owner = find_by_code(text) if text else policy.own_organisation(actor)
    if owner is not None and (
        policy.permits(actor, owner, Permission.REGISTER_ITEMS)
        or (kind == ItemKind.INSTRUMENT and policy.permits(actor, owner, Permission.REGISTER_INSTRUMENTS))
    ):
        return owner
    if policy.is_department(actor):
        missing = _l("No organisation with code %(code)s.", code=text[:40])
        raise ServiceError({"owner": missing if text else _l("This field is required.")})
    if kind == ItemKind.INSTRUMENT and policy.is_lab_staff(actor):
        raise ServiceError(
            {"owner": _l("No enterprise with code %(code)s.", code=text[:40])}
            if text
            else {"owner": _l("Give the code of the enterprise that owns the instrument.")}
        )
    raise ServiceError({"owner": _l("You may register items for your own organisation only.")})


def check_may_register(actor: Actor, kind: ItemKind) -> None:
    """Refuse (403) an actor who may register no item of ``kind`` at all."""
    policy.require(actor, MODELS[kind], Permission.CREATE, _l("You may not register items."))


def create_item(actor: Actor, kind: ItemKind, values: Mapping[str, Any]) -> Item:
    """Register an item of ``kind``. ``values`` holds the fields of :data:`fields.FIELDS` [kind] and
    optionally ``owner`` (an organisation code; the actor's own organisation when left out)."""
    check_may_register(actor, kind)
    errors = FieldErrors()
    owner = errors.run(_owner, actor, kind, values.get("owner"))
    fields = {name: value for name, value in values.items() if name != "owner"}
    item = new_item(kind, owner, fields, today=local_today(), errors=errors)
    db.session.add(item)
    db.session.flush()
    return item


def new_item(
    kind: ItemKind,
    owner: Organisation | None,
    values: Mapping[str, Any],
    *,
    today: date,
    errors: FieldErrors | None = None,
    taken: Taken | None = None,
) -> Item:
    """An item of ``kind`` for ``owner`` made of ``values``, cleaned and checked by every rule, not yet in
    the session: what :func:`create_item` registers, and what a file import makes of each row. A broken
    rule raises one ServiceError naming every wrong field (with those already in ``errors``)."""
    errors = errors or FieldErrors()
    cleaned = clean_fields(kind, values, creating=True, errors=errors)
    if owner is not None:
        check_rules(kind, owner, cleaned, None, today, errors, taken)
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
    _keep_search_columns(item, owner)
    return item


def _keep_search_columns(item: Item, owner: Organisation) -> None:
    for column, value in search_columns_of(item, owner).items():
        if getattr(item, column) != value:
            setattr(item, column, value)


def create_instrument(actor: Actor, values: Mapping[str, Any]) -> Instrument:
    item = create_item(actor, ItemKind.INSTRUMENT, values)
    assert isinstance(item, Instrument)
    return item


def create_standard(actor: Actor, values: Mapping[str, Any]) -> MeasurementStandard:
    item = create_item(actor, ItemKind.STANDARD, values)
    assert isinstance(item, MeasurementStandard)
    return item


def create_reference_material(actor: Actor, values: Mapping[str, Any]) -> ReferenceMaterial:
    item = create_item(actor, ItemKind.REFERENCE_MATERIAL, values)
    assert isinstance(item, ReferenceMaterial)
    return item


# --- Changing ------------------------------------------------------------------------------------------


def _new_owner(item: Item, code: Any) -> Organisation:
    text = clean_identifier(code, field="owner", max_length=None)
    owner = find_by_code(text)
    if owner is None:
        raise ServiceError({"owner": _l("No organisation with code %(code)s.", code=text[:50])})
    if owner.id == item.owner_id:
        raise ServiceError({"owner": _l("The item already belongs to %(code)s.", code=owner.code)})
    return owner


def update_item(
    actor: Actor,
    item: T,
    changes: Mapping[str, Any],
    *,
    reason: object,
    version: int | None,
) -> T:
    """Change the fields named in ``changes``; ``owner`` (a code) transfers the item, the site fields
    relocate an instrument. The reason is required and audited; a stale ``version`` is a conflict."""
    policy.require(actor, item, Permission.CHANGE, _l("You may not change this item."))
    if "owner" in changes:
        policy.require(
            actor, item, Permission.TRANSFER, _l("Only the Department may transfer an item to another owner.")
        )
    check_version(item, version)
    today = local_today()
    kind = ItemKind(item.kind)
    errors = FieldErrors()
    why = errors.run(require_reason, reason)
    owner = item.owner
    if "owner" in changes:
        # A refused owner is named; the other rules are still checked, against the current owner.
        owner = errors.run(_new_owner, item, changes["owner"]) or item.owner
    fields = {name: value for name, value in changes.items() if name != "owner"}
    cleaned = clean_fields(kind, fields, creating=False, errors=errors)
    prospective = {name: getattr(item, name) for name in RULE_ATTRIBUTES} | cleaned
    check_rules(kind, owner, prospective, item.id, today, errors)
    errors.raise_if_any()

    with audit.reason(why):
        for name, value in cleaned.items():
            if getattr(item, name) != value:
                setattr(item, name, value)
        if item.owner_id != owner.id:
            item.owner = owner
        _keep_validity(item)
        _keep_search_columns(item, owner)
    return item


def transfer_item(actor: Actor, item: T, *, owner: object, reason: object, version: int | None) -> T:
    """Give the item to the organisation with code ``owner`` (the Department). Its site stays where it
    is: relocating is a separate act."""
    return update_item(actor, item, {"owner": owner}, reason=reason, version=version)


def relocate_instrument(
    actor: Actor,
    item: Instrument,
    *,
    site_address: object,
    site_admin_unit: object,
    reason: object,
    version: int | None,
) -> Instrument:
    """Move an instrument to another site (address and administrative unit code)."""
    return update_item(
        actor,
        item,
        {"site_address": site_address, "site_admin_unit": site_admin_unit},
        reason=reason,
        version=version,
    )


def retire_item(actor: Actor, item: T, *, reason: object, version: int | None) -> T:
    """Take the item out of the registry's reckoning for good. Nothing is ever deleted."""
    policy.require(actor, item, Permission.CHANGE, _l("You may not change this item."))
    if item.state == ItemState.RETIRED:
        raise ServiceError({"_": _l("This item is already retired.")})
    return update_item(actor, item, {"state": ItemState.RETIRED.value}, reason=reason, version=version)


# --- Finding ------------------------------------------------------------------------------------------


def get_item(actor: Actor, item_id: int, model: type[T], permission: Permission = Permission.VIEW) -> T:
    """The item of kind ``model`` with ``item_id`` if ``actor`` may see it (otherwise not found, never
    forbidden) and holds ``permission`` on it (otherwise forbidden)."""
    stmt = select(model).where(model.id == item_id)
    condition = policy.visible(actor, model)
    if condition is not None:
        stmt = stmt.where(condition)
    item = db.session.scalars(stmt).first() if 0 < item_id <= MAX_ID else None
    if item is None:
        raise NotFoundError({"id": _l("No such item.")})
    policy.require(actor, item, permission, seen=True)
    return item


def status_tally(actor: Actor, kind: ItemKind) -> dict[str, int]:
    """How many of the items of ``kind`` that ``actor`` may see have each status today."""
    today = local_today()
    conditions = filter_conditions(actor, kind, ItemFilters(), today)
    return {status.value: count for status, count in status_counts(conditions, today).items()}


def check_may_look_up(actor: Actor) -> None:
    """Refuse (403) an actor who may not look instruments up by owner and serial number."""
    message = _l("Only the Department and laboratories may look instruments up.")
    policy.require(actor, Instrument, Permission.LOOK_UP, message)


def lookup_instruments(actor: Actor, *, owner: object, serial_number: object) -> list[Instrument]:
    """The instruments of the organisation with code ``owner`` whose serial number is ``serial_number``,
    ignoring case and diacritics (one per type at most): what a lab may see of an instrument it is about
    to serve."""
    check_may_look_up(actor)
    errors = FieldErrors()
    # Identifiers: a serial number with an invisible character in it is refused, never trimmed into
    # another instrument's.
    code = errors.run(clean_identifier, owner, field="owner", max_length=40)
    serial = errors.run(clean_identifier, serial_number, field="serial_number", max_length=80)
    errors.raise_if_any()
    organisation = find_by_code(code)
    if organisation is None:
        return []
    stmt = (
        select(Instrument)
        .where(Instrument.owner_id == organisation.id, Instrument.serial_key == serial_key(serial))
        .order_by(Instrument.id)
    )
    return list(db.session.scalars(stmt))
