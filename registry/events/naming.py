"""Which item an event is about: named by its id (one the actor may already see), or, for an instrument a lab
has not served yet, by its owner's code and serial number (and type, when the owner has several items with
that number): an id alone would tell a lab which rows exist."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.auth import policy
from registry.auth.models import User
from registry.auth.policy import Actor, Permission
from registry.core.errors import FieldErrors, NotFoundError, ServiceError
from registry.core.validation import clean_identifier, code_or_none
from registry.extensions import db
from registry.items.models import Instrument, Item
from registry.items.search import serial_key
from registry.items.services import get_item
from registry.organisations.services import find_by_code


def resolve_item(actor: Actor, values: Mapping[str, Any]) -> Item:
    """The item an event is about: ``item``, an id the actor may see; or ``owner`` (an organisation code)
    + ``serial_number`` (+ ``type_code`` when the owner has several items with that serial number)."""
    naming = any(values.get(name) not in (None, "") for name in ("owner", "serial_number", "type_code"))
    if isinstance(values.get("item"), Item):  # a caller in Python (the demo) hands the row itself
        item: Item = values["item"]
        if not (policy.can_see(actor, item) or policy.permits(actor, Instrument, Permission.LOOK_UP)):
            raise NotFoundError({"item": _l("No such item.")})
        return item
    if values.get("item") is not None:
        if naming:
            raise ServiceError({"item": _l("Give either item or owner and serial_number, not both.")})
        item_id = values["item"]
        if not isinstance(item_id, int) or isinstance(item_id, bool):
            raise ServiceError({"item": _l("Enter a whole number.")})
        return get_item(actor, item_id, Item)
    return find_item(
        actor,
        owner=values.get("owner"),
        serial_number=values.get("serial_number"),
        type_code=values.get("type_code"),
    )


def _identifier(value: object, field: str, limit: int, *, required: bool = True) -> str:
    return clean_identifier(value, field=field, max_length=limit, required=required)


def find_item(actor: Actor, *, owner: object, serial_number: object, type_code: object = None) -> Item:
    """The item named by its owner's code, its serial number and (when the owner has several items with
    that serial number) its instrument type. A lab may name any owner's instrument (as in the lookup);
    others only their own organisation's."""
    errors = FieldErrors()
    code = errors.run(_identifier, owner, "owner", 40)
    serial = errors.run(_identifier, serial_number, "serial_number", 80)
    wanted_type = errors.run(_identifier, type_code, "type_code", 40, required=False)
    errors.raise_if_any()
    own = actor.organisation.code if isinstance(actor, User) else None
    if code_or_none(code) != own and not policy.permits(actor, Instrument, Permission.LOOK_UP):
        # Checked before the code is looked up, so that it never tells which organisations exist.
        raise ServiceError({"owner": _l("You may record events on your own organisation's items only.")})
    organisation = find_by_code(code)
    if organisation is None:
        raise ServiceError({"owner": _l("No organisation with code %(code)s.", code=code)})
    stmt = (
        select(Item)
        .where(Item.owner_id == organisation.id, Item.serial_key == serial_key(serial))
        .order_by(Item.id)
    )
    found = [
        item
        for item in db.session.scalars(stmt)
        if not wanted_type
        or (
            isinstance(item, Instrument)
            and item.instrument_type
            and item.instrument_type.code == code_or_none(wanted_type)
        )
    ]
    if not found:
        raise ServiceError(
            {
                "serial_number": _l(
                    "%(code)s has no item with serial number %(serial)s: register it first.",
                    code=organisation.code,
                    serial=serial,
                )
            }
        )
    if len(found) > 1:
        raise ServiceError(
            {"type_code": _l("Several items have this serial number: give the instrument type.")}
        )
    return found[0]
