"""What an organisation's page shows beyond its own fields, from the domains above organisations: its
instruments (and a lab's standards) by status, its recent events, its contacts, and its users for its
managers and the Department. The organisations domain cannot import these: its page asks for them through
``organisation_overview`` (a template global registered here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_login import current_user
from sqlalchemy import or_, select

from registry.auth import policy
from registry.auth.models import User
from registry.core.counting import Count
from registry.core.dates import local_today
from registry.events.models import Event
from registry.events.recording import events_visible
from registry.extensions import db
from registry.items.models import Item, ItemKind
from registry.items.status import Status, status_counts
from registry.organisations.models import Organisation
from registry.organisations.services import contacts_of, members_of, sees_users

RECENT_EVENTS = 10


@dataclass(frozen=True)
class Overview:
    instrument_counts: dict[Status, Count]
    standard_counts: dict[Status, Count]
    events: list[Event]
    contacts: list[User]
    members: list[User] | None  # None: the actor may not see them


def _counts(actor: Any, organisation: Organisation, kind: ItemKind) -> dict[Status, Count]:
    conditions = [Item.kind == kind.value, Item.owner_id == organisation.id]
    condition = policy.visible(actor, Item)
    if condition is not None:
        conditions.append(condition)
    return status_counts(conditions, local_today())


def overview(actor: Any, organisation: Organisation) -> Overview:
    """The page's panels for ``organisation``, which the caller has already been allowed to see."""
    own_items = select(Item.id).where(Item.owner_id == organisation.id)
    events = events_visible(actor).where(
        or_(Event.provider_id == organisation.id, Event.item_id.in_(own_items))
    )
    return Overview(
        instrument_counts=_counts(actor, organisation, ItemKind.INSTRUMENT),
        standard_counts=_counts(actor, organisation, ItemKind.STANDARD) if organisation.is_provider else {},
        events=list(
            db.session.scalars(
                events.order_by(Event.performed_on.desc(), Event.id.desc()).limit(RECENT_EVENTS)
            )
        ),
        contacts=contacts_of(actor, organisation),
        members=members_of(actor, organisation) if sees_users(actor, organisation) else None,
    )


def organisation_overview(organisation: Organisation) -> Overview:
    return overview(current_user, organisation)
