"""The Department's view of the public lookups: how often each certificate was looked up, per day, and
which lookups found it void, suspect or superseded — counts only; nobody's address or identity is kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.auth import policy
from registry.auth.policy import Actor
from registry.core.dates import local_today
from registry.core.errors import NotFoundError
from registry.events.models import Event
from registry.extensions import db
from registry.organisations.models import Organisation
from registry.public.models import CertificateLookup

DEFAULT_DAYS = 30
MAX_ROWS = 1000


@dataclass(frozen=True)
class LookupRow:
    day: date
    event: Event
    provider_code: str
    lookups: int
    flagged: int


def lookup_report(actor: Actor, since: date | None = None) -> list[LookupRow]:
    """The lookups since ``since`` (the last 30 days unless given), flagged ones first, then the latest
    day and the most looked up. The Department only; to anyone else the report does not exist."""
    if not policy.is_department(actor):
        raise NotFoundError({"_": _l("This page does not exist, or you cannot see it.")})
    since = since or local_today() - timedelta(days=DEFAULT_DAYS)
    stmt = (
        select(CertificateLookup, Event, Organisation.code)
        .join(Event, Event.id == CertificateLookup.event_id)
        .join(Organisation, Organisation.id == Event.provider_id)
        .where(CertificateLookup.day >= since)
        .order_by(
            (CertificateLookup.flagged > 0).desc(),
            CertificateLookup.day.desc(),
            CertificateLookup.lookups.desc(),
            Event.id,
        )
        .limit(MAX_ROWS)
    )
    return [
        LookupRow(lookup.day, event, code, lookup.lookups, lookup.flagged)
        for lookup, event, code in db.session.execute(stmt)
    ]
