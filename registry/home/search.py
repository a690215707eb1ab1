"""The Department's registry-wide search: one box for an organisation (name, code or tax code), an
instrument (its serial number, ignoring case and diacritics), a certificate or a stamp number, with the
results grouped by what they are. Each group is one indexed lookup, bounded."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from registry.auth import policy
from registry.auth.policy import Actor
from registry.core.text import fold
from registry.core.validation import clean_text
from registry.events.models import Event
from registry.events.recording import events_visible
from registry.extensions import db
from registry.home.services import check_may_inspect
from registry.items.models import Instrument
from registry.items.search import MAX_QUERY_LENGTH, serial_key
from registry.organisations.models import Organisation
from registry.organisations.services import search_organisations

GROUP_LIMIT = 20


@dataclass(frozen=True)
class Results:
    query: str
    organisations: list[Organisation] = field(default_factory=list)
    instruments: list[Instrument] = field(default_factory=list)
    certificates: list[Event] = field(default_factory=list)
    stamps: list[Event] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.organisations) + len(self.instruments) + len(self.certificates) + len(self.stamps)


def _first(stmt: Any) -> list[Any]:
    return list(db.session.scalars(stmt.limit(GROUP_LIMIT)))


def search_registry(actor: Actor, q: object) -> Results:
    """Everything in the registry that ``q`` names, for the Department (others: not found)."""
    check_may_inspect(actor)
    text = clean_text(q, field="q", max_length=MAX_QUERY_LENGTH, required=False)
    if not fold(text):
        return Results(text)
    instruments = select(Instrument).where(Instrument.serial_key == serial_key(text))
    condition = policy.visible(actor, Instrument)
    if condition is not None:
        instruments = instruments.where(condition)
    newest = (Event.performed_on.desc(), Event.id.desc())
    return Results(
        text,
        organisations=_first(search_organisations(actor, q=text, sort="name")),
        instruments=_first(instruments.order_by(Instrument.id)),
        certificates=_first(events_visible(actor).where(Event.certificate_number == text).order_by(*newest)),
        stamps=_first(events_visible(actor).where(Event.stamp_number == text).order_by(*newest)),
    )
