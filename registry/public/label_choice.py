"""Which certificates' labels to print: the current certificates with a public page that the user's
organisation holds (as the owner of the item) or issued (as the lab), newest first, narrowed by the day
performed, the instrument type or one item. The Department, which sees every event, chooses among all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_

from registry.auth import policy
from registry.auth.policy import Actor
from registry.catalogue.models import InstrumentType
from registry.core.errors import ServiceError
from registry.events.models import Event, EventKind, EventState
from registry.events.recording import events_visible
from registry.extensions import db
from registry.items.models import Item

MAX_CHOICES = 240  # ten sheets of 24, as many as one sheet link prints
IN_HOUSE = [kind.value for kind in EventKind if kind.by_the_owner]


@dataclass(frozen=True)
class LabelFilters:
    since: date | None = None
    until: date | None = None
    type_code: str = ""
    item_id: int | None = None


def label_choices(actor: Actor, filters: LabelFilters) -> list[Event]:
    """The certificates ``actor`` may print labels of, within ``filters``: at most :data:`MAX_CHOICES`,
    the most recent first (one more tells the caller that the list was cut)."""
    if filters.since and filters.until and filters.since > filters.until:
        raise ServiceError({"until": _l("The end of the period cannot be before its start.")})
    stmt = (
        events_visible(actor)
        .join(Item, Item.id == Event.item_id)
        .where(
            Event.state == EventState.CURRENT.value,
            Event.verification_token.is_not(None),
            Event.kind.not_in(IN_HOUSE),
        )
    )
    if not policy.is_department(actor):
        own = policy.principals(actor).organisation_id
        stmt = stmt.where(or_(Item.owner_id == own, Event.provider_id == own))
    if filters.since:
        stmt = stmt.where(Event.performed_on >= filters.since)
    if filters.until:
        stmt = stmt.where(Event.performed_on <= filters.until)
    if filters.type_code:
        stmt = stmt.join(InstrumentType, InstrumentType.id == Item.type_id).where(
            InstrumentType.code == filters.type_code
        )
    if filters.item_id is not None:
        stmt = stmt.where(Event.item_id == filters.item_id)
    stmt = stmt.order_by(Event.performed_on.desc(), Event.id.desc()).limit(MAX_CHOICES + 1)
    return list(db.session.scalars(stmt))
