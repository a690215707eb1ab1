"""Who sees which events, and who may record, amend or void them (DESIGN §3).

- The Department sees every event; its admin records, amends and voids on anyone's behalf, with a reason.
- A lab (provider manager or technician) sees the events it recorded and those on its own items, and
  records, amends and voids its own.
- An enterprise sees the events on its own items; its manager records, amends and voids its internal
  calibrations and intermediate checks.
Another organisation's event answers 404.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select
from sqlalchemy.sql.elements import ColumnElement

from registry.auth.models import PROVIDER_ROLES, Role, User
from registry.core.errors import ForbiddenError, NotFoundError
from registry.events.models import Event, EventKind
from registry.extensions import db
from registry.items.access import MAX_ID, is_department
from registry.items.models import Item

RECORDING_ROLES = frozenset({Role.DEPARTMENT_ADMIN, *PROVIDER_ROLES, Role.ENTERPRISE_MANAGER})
# Who records an owner's in-house kinds (internal calibrations, intermediate checks) on its own items: an
# enterprise's manager, or a lab's staff for the lab's own standards.
OWNER_ROLES = frozenset({Role.ENTERPRISE_MANAGER, *PROVIDER_ROLES})


def visible_condition(user: User | None) -> ColumnElement[bool] | None:
    if is_department(user):
        return None
    assert user is not None
    own_items = select(Item.id).where(Item.owner_id == user.organisation_id)
    return or_(Event.provider_id == user.organisation_id, Event.item_id.in_(own_items))


def visible_events(user: User | None) -> Select[Any]:
    condition = visible_condition(user)
    stmt = select(Event)
    return stmt if condition is None else stmt.where(condition)


def get_visible_event(user: User | None, event_id: int) -> Event:
    event = (
        db.session.scalars(visible_events(user).where(Event.id == event_id)).first()
        if 0 < event_id <= MAX_ID
        else None
    )
    if event is None:
        raise NotFoundError({"id": _l("No such event.")})
    return event


def may_record(user: User | None) -> bool:
    """Whether ``user``'s roles allow recording some event at all (the service checks the rest)."""
    return user is None or user.has_role(*RECORDING_ROLES)


def require_record(user: User | None) -> None:
    if not may_record(user):
        raise ForbiddenError(message=_l("You may not record events."))


def acts_for_department(user: User | None) -> bool:
    return user is None or user.has_role(Role.DEPARTMENT_ADMIN)


def may_change(user: User | None, event: Event) -> bool:
    """Amend or void: the organisation that recorded it (its owner for in-house kinds), or the
    Department's admin."""
    if acts_for_department(user):
        return True
    assert user is not None
    if EventKind(event.kind).by_the_owner:
        return user.has_role(*OWNER_ROLES) and event.provider_id == user.organisation_id
    return user.has_role(*PROVIDER_ROLES) and event.provider_id == user.organisation_id


def require_change(user: User | None, event: Event) -> None:
    if not may_change(user, event):
        raise ForbiddenError(
            message=_l("Only the organisation that recorded this event may amend or void it.")
        )
