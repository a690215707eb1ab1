"""Certificates anyone can check (DESIGN §5 "Public"): a certificate found by the opaque token of its QR
code, or by its lab's code and its certificate or stamp number, shown with what a holder needs to trust it
and nothing about its owner; each lookup counted per certificate and day.

A certificate is public when it is a lab's record (not an owner's in-house calibration or check, whose
"provider" is the owner itself) and carries a certificate or stamp number. Whatever is not public answers
exactly as what does not exist, so the lookups cannot tell a lab's numbers apart.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from registry.api import limits
from registry.core.dates import local_today
from registry.core.errors import FieldErrors, NotFoundError
from registry.core.validation import clean_identifier
from registry.events.models import Event, EventKind, EventState
from registry.extensions import db
from registry.items.labels import type_name
from registry.organisations.credentials.state import find_designation, find_registration
from registry.organisations.models import Organisation
from registry.public.models import CertificateFile, CertificateLookup

NOT_FOUND = _l("No certificate matches. Check the lab's code and the number as printed.")
TOKEN_LENGTH = 22  # secrets.token_urlsafe(16)


class Verdict(enum.StrEnum):
    """What the certificate says today, worst first."""

    VOID = "void"
    SUSPECT = "suspect"
    FAILED = "failed"
    EXPIRED = "expired"
    VALID = "valid"
    RECORDED = "recorded"  # a pass with no validity to end (a test, a calibration without interval)


@dataclass(frozen=True)
class PublicCertificate:
    """One certificate as the public sees it: its current revision, and which revision was asked for."""

    event: Event
    asked: Event
    registration_number: str
    designation_number: str
    verdict: Verdict
    file_sha256: str | None = None

    @property
    def superseded(self) -> bool:
        """The revision asked for (a QR code on an old paper) was amended since."""
        return self.asked.id != self.event.id

    def as_json(self) -> dict[str, Any]:
        """The public fields, under the API's names."""
        event, item = self.event, self.event.item
        return {
            "provider": event.provider.code,
            "provider_name": event.provider.name,
            "registration_number": self.registration_number or None,
            "designation_number": self.designation_number or None,
            "type_code": item.instrument_type.code if item.instrument_type else None,
            "type_name": type_name(item.instrument_type) or item.name,
            "serial_number": item.serial_number,
            "kind": event.kind,
            "performed_on": event.performed_on.isoformat(),
            "valid_until": event.valid_until.isoformat() if event.valid_until else None,
            "result": event.result,
            "certificate_number": event.certificate_number,
            "record_number": event.record_number,
            "stamp_number": event.stamp_number,
            "revision": event.revision,
            "state": event.state,
            "suspect": event.suspect,
            "superseded": self.superseded,
            "status": self.verdict.value,
            "certificate_file_sha256": self.file_sha256,
        }


def is_public(event: Event) -> bool:
    return event.verification_token is not None and not EventKind(event.kind).by_the_owner


def current_revision(event: Event) -> Event:
    """The latest revision of ``event``'s certificate: the one in force, amended or void."""
    root = event.original_id or event.id
    stmt = (
        select(Event)
        .where(or_(Event.id == root, Event.original_id == root))
        .order_by(Event.revision.desc())
        .limit(1)
    )
    return db.session.scalars(stmt).one()


def verdict_of(event: Event, today: date) -> Verdict:
    if event.state == EventState.VOID:
        return Verdict.VOID
    if event.suspect:
        return Verdict.SUSPECT
    if event.result == "fail":
        return Verdict.FAILED
    if event.valid_until is None:
        return Verdict.RECORDED
    return Verdict.EXPIRED if event.valid_until < today else Verdict.VALID


def _public_view(asked: Event) -> PublicCertificate:
    event = current_revision(asked)
    provider, item = event.provider, event.item
    kind = EventKind(event.kind)
    service = "verification" if kind.is_verification else "calibration" if kind.is_calibration else "testing"
    registration = find_registration(provider, service, event.performed_on)
    designation = None
    if kind.is_verification and item.instrument_type is not None:
        designation = find_designation(provider, item.instrument_type.code, event.performed_on)
    return PublicCertificate(
        event=event,
        asked=asked,
        registration_number=registration.certificate_number if registration else "",
        designation_number=designation.decision_number if designation else "",
        verdict=verdict_of(event, local_today()),
        file_sha256=db.session.scalar(
            select(CertificateFile.sha256)
            .where(CertificateFile.event_id == event.id)
            .order_by(CertificateFile.id.desc())
            .limit(1)
        ),
    )


def by_token(token: str) -> PublicCertificate:
    """The certificate whose QR code carries ``token`` (any revision's: the current one is shown)."""
    event = None
    if 0 < len(token) <= 64:
        event = db.session.scalars(select(Event).where(Event.verification_token == token)).first()
    if event is None or not is_public(event):
        raise NotFoundError({"token": NOT_FOUND})
    return _counted(_public_view(event))


def by_number(provider_code: str, *, number: str = "", stamp: str = "") -> PublicCertificate:
    """The certificate of the lab ``provider_code`` with certificate ``number``, or with ``stamp`` number
    (the latest certificate bearing it when a stamp was used again)."""
    errors = FieldErrors()
    # As every identifier is read: composed, and a control or invisible character refused by name (a NUL
    # would otherwise reach the database, which PostgreSQL refuses with an error).
    provider_code, number, stamp = (
        errors.run(clean_identifier, value, field=field, max_length=None, required=False) or ""
        for field, value in (("provider", provider_code), ("number", number), ("stamp", stamp))
    )
    provider_code = provider_code.upper()
    if not provider_code and "provider" not in errors.fields:
        errors.add("provider", _l("Enter the lab's code, as printed on the certificate or the stamp."))
    if not number and not stamp and not {"number", "stamp"} & set(errors.fields):
        errors.add("number", _l("Enter the certificate number or the stamp number."))
    errors.raise_if_any()
    event = None
    if len(provider_code) <= 40 and len(number) <= 80 and len(stamp) <= 80:
        stmt = select(Event).join(Organisation, Organisation.id == Event.provider_id)
        stmt = stmt.where(
            func.upper(Organisation.code) == provider_code,
            Event.verification_token.is_not(None),
            Event.kind.not_in([kind.value for kind in EventKind if kind.by_the_owner]),
        )
        if number:
            stmt = stmt.where(Event.certificate_number == number)
        if stamp:
            stmt = stmt.where(Event.stamp_number == stamp)
        order = (Event.performed_on.desc(), Event.revision.desc(), Event.id.desc())
        event = db.session.scalars(stmt.order_by(*order).limit(1)).first()
    if event is None:
        raise NotFoundError({"number": NOT_FOUND})
    return _counted(_public_view(event))


def _counted(certificate: PublicCertificate) -> PublicCertificate:
    """Count the lookup (flagged when the certificate is void, suspect or superseded) in a transaction of
    its own, as the rate limit's counters are: a GET's own transaction only reads, and the count must not
    wait for the request's answer."""
    flagged = int(certificate.superseded or certificate.verdict in (Verdict.VOID, Verdict.SUSPECT))
    table = CertificateLookup.__table__
    with limits.counter_transaction() as connection:
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        connection.execute(
            insert(table)
            .values(event_id=certificate.event.id, day=local_today(), lookups=1, flagged=flagged)
            .on_conflict_do_update(
                index_elements=[table.c.event_id, table.c.day],
                set_={"lookups": table.c.lookups + 1, "flagged": table.c.flagged + flagged},
            )
        )
    return certificate
