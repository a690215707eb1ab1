"""Provider credentials on a date: their state, who may see them, and the questions other domains ask.

:func:`credential_state` is the one place that says what a credential is worth on a day. Events ask
:func:`find_registration` (may this provider perform service S on day D?), :func:`find_designation`
(may it verify Group 2 type T on D?) and :func:`find_verifier` (does it have a verifier with a valid
card for T on D?); all three count confirmed credentials only.
"""

from __future__ import annotations

import enum
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, false, or_, select

from registry.audit.readable import Entry, readable
from registry.audit.services import history
from registry.auth import policy
from registry.auth.policy import Actor, Permission
from registry.core.errors import NotFoundError, ServiceError
from registry.core.models import MAX_ID
from registry.core.text import fold
from registry.core.validation import code_or_none
from registry.extensions import db
from registry.organisations.credentials.history import VOCABULARY as HISTORY_VOCABULARY
from registry.organisations.models import (
    Accreditation,
    ConfirmationState,
    Designation,
    Organisation,
    Registration,
    Verifier,
)

EXPIRING_WITHIN_DAYS = 60

AnyCredential = Registration | Accreditation | Designation | Verifier
CredentialModel = type[Registration] | type[Accreditation] | type[Designation] | type[Verifier]
CREDENTIAL_MODELS: tuple[CredentialModel, ...] = (Registration, Accreditation, Designation, Verifier)


class CredentialState(enum.StrEnum):
    VALID = "valid"
    EXPIRING = "expiring"  # valid, but valid_to is at most EXPIRING_WITHIN_DAYS away
    LAPSED = "lapsed"  # past valid_to
    NOT_YET_VALID = "not_yet_valid"
    SUSPENDED = "suspended"  # accreditations
    WITHDRAWN = "withdrawn"  # accreditations
    REVOKED = "revoked"  # registrations


class Suspension(enum.StrEnum):
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"


IN_FORCE = frozenset({CredentialState.VALID, CredentialState.EXPIRING})


def credential_state(credential: AnyCredential, on: date) -> CredentialState:
    """What ``credential`` is worth on ``on``, whatever its confirmation (see :func:`in_force`).

    A registration does not expire: it is valid from ``issued_on`` until it is revoked (``revoked_on``
    and after). An accreditation that is suspended or withdrawn is so whatever the date. Otherwise a
    dated credential is not yet valid before ``valid_from``, lapsed after ``valid_to``, expiring when
    ``valid_to`` is at most 60 days away, and valid. A verifier card entered before its start was asked
    has no ``valid_from``: it is judged by its end alone.
    """
    if isinstance(credential, Registration):
        if credential.revoked_on is not None and credential.revoked_on <= on:
            return CredentialState.REVOKED
        return CredentialState.NOT_YET_VALID if on < credential.issued_on else CredentialState.VALID
    if isinstance(credential, Accreditation) and credential.suspension:
        return CredentialState(credential.suspension)
    if credential.valid_from is not None and on < credential.valid_from:
        return CredentialState.NOT_YET_VALID
    if on > credential.valid_to:
        return CredentialState.LAPSED
    if (credential.valid_to - on).days <= EXPIRING_WITHIN_DAYS:
        return CredentialState.EXPIRING
    return CredentialState.VALID


def in_force(credential: AnyCredential, on: date) -> bool:
    """Whether ``credential`` counts on ``on``: confirmed by the Department, and valid (or expiring)."""
    return (
        credential.confirmation == ConfirmationState.CONFIRMED.value
        and credential_state(credential, on) in IN_FORCE
    )


def _confirmed(model: Any, provider: Organisation) -> Select[Any]:
    return (
        select(model)
        .where(model.organisation_id == provider.id, model.confirmation == ConfirmationState.CONFIRMED.value)
        .order_by(model.id)
    )


def find_registration(provider: Organisation, service: str, on: date) -> Registration | None:
    """A confirmed registration of ``provider`` in force on ``on`` covering ``service`` (verification,
    calibration or testing), or ``None``."""
    stmt = _confirmed(Registration, provider).where(Registration.issued_on <= on)
    for registration in db.session.scalars(stmt):
        if service in registration.services and in_force(registration, on):
            return registration
    return None


def find_designation(provider: Organisation, type_code: str, on: date) -> Designation | None:
    """A confirmed designation of ``provider`` in force on ``on`` for instrument type ``type_code``."""
    code = type_code.strip().upper()
    stmt = _confirmed(Designation, provider).where(Designation.valid_from <= on, Designation.valid_to >= on)
    for designation in db.session.scalars(stmt):
        if code in designation.type_codes and in_force(designation, on):
            return designation
    return None


def find_verifier(
    provider: Organisation, type_code: str, on: date, *, card_number: str | None = None
) -> Verifier | None:
    """A confirmed verifier of ``provider`` whose card is valid on ``on`` for ``type_code`` (the one
    holding ``card_number`` when given), or ``None``."""
    code = type_code.strip().upper()
    stmt = _confirmed(Verifier, provider).where(
        Verifier.valid_to >= on, or_(Verifier.valid_from.is_(None), Verifier.valid_from <= on)
    )
    if card_number is not None:
        stmt = stmt.where(Verifier.card_number == card_number.strip())
    for verifier in db.session.scalars(stmt):
        if code in verifier.type_codes and in_force(verifier, on):
            return verifier
    return None


def find_accreditation(
    provider: Organisation, quantity: str, on: date, *, scheme: str = "ISO/IEC 17025"
) -> Accreditation | None:
    """A confirmed accreditation of ``provider`` under ``scheme`` in force on ``on`` whose scope names
    ``quantity`` (compared without case or diacritics): a calibration outside it is marked so."""
    found = accreditations_covering(provider, quantity, on, scheme=scheme)
    return found[0][0] if found else None


def accreditations_covering(
    provider: Organisation, quantity: str, on: date, *, scheme: str = "ISO/IEC 17025"
) -> list[tuple[Accreditation, dict[str, Any]]]:
    """Each scope entry for ``quantity`` (compared without case or diacritics) of the confirmed
    accreditations of ``provider`` under ``scheme`` in force on ``on``, with its accreditation."""
    wanted = fold(quantity)
    stmt = _confirmed(Accreditation, provider).where(
        Accreditation.scheme == scheme, Accreditation.valid_from <= on, Accreditation.valid_to >= on
    )
    return [
        (accreditation, entry)
        for accreditation in db.session.scalars(stmt)
        if in_force(accreditation, on)
        for entry in accreditation.scope
        if fold(str(entry.get("quantity", ""))) == wanted
    ]


def visible_credentials(
    model: Any,
    actor: Actor,
    *,
    organisation_code: str | None = None,
    confirmation: str | None = None,
) -> Select[Any]:
    """Credentials of kind ``model`` that ``actor`` may see (the Department all, others their own
    organisation's); of the organisation ``organisation_code`` (none when it is not a code)."""
    stmt = select(model)
    condition = policy.visible(actor, model)
    if condition is not None:
        stmt = stmt.where(condition)
    if confirmation is not None:
        states = [state.value for state in ConfirmationState]
        if confirmation not in states:
            raise ServiceError({"confirmation": _l("Use one of: %(choices)s.", choices=", ".join(states))})
        stmt = stmt.where(model.confirmation == confirmation)
    if organisation_code is not None:
        code = code_or_none(organisation_code)
        if code is None:
            return stmt.where(false())
        stmt = stmt.where(model.organisation_id.in_(select(Organisation.id).where(Organisation.code == code)))
    return stmt


def get_credential(
    actor: Actor,
    model: Any,
    organisation: Organisation,
    credential_id: int,
    permission: Permission = Permission.VIEW,
) -> Any:
    """The credential ``credential_id`` of ``organisation`` if ``actor`` may see it (else not found) and
    holds ``permission`` on it (else forbidden)."""
    credential = (
        db.session.scalar(
            visible_credentials(model, actor).where(
                model.id == credential_id, model.organisation_id == organisation.id
            )
        )
        if 0 < credential_id <= MAX_ID
        else None
    )
    if credential is None:
        raise NotFoundError({"id": _l("No such credential.")})
    policy.require(actor, credential, permission, seen=True)
    return credential


def history_of(actor: Actor, credential: AnyCredential) -> list[Entry]:
    """Every change of the credential, oldest first and in words, for those who may see it."""
    policy.require(actor, credential, Permission.VIEW)
    return readable(history(credential.__tablename__, credential.id), HISTORY_VOCABULARY)


def credentials_of(actor: Actor, organisation: Organisation) -> dict[str, list[Any]]:
    """Every credential of ``organisation`` that ``actor`` may see, by kind, newest first."""
    return {
        model.__tablename__: list(
            db.session.scalars(
                visible_credentials(model, actor)
                .where(model.organisation_id == organisation.id)
                .order_by(model.id.desc())
            )
        )
        for model in CREDENTIAL_MODELS
    }


def pending_credentials(actor: Actor) -> list[Any]:
    """Credentials awaiting the Department's decision that ``actor`` may see, oldest first."""
    pending: list[Any] = []
    for model in CREDENTIAL_MODELS:
        stmt = visible_credentials(model, actor, confirmation=ConfirmationState.PENDING.value)
        pending.extend(db.session.scalars(stmt))
    return sorted(pending, key=lambda credential: (credential.created_at, credential.id))


EXPIRING_DAYS = 60  # as the expiry notices' first stage


def expiring_credentials(actor: Actor, today: date, days: int = EXPIRING_DAYS) -> list[Any]:
    """Accreditations, designations and verifier cards that ``actor`` may see, in force (not rejected,
    not suspended) and ending within ``days`` of ``today``, soonest first. (A registration does not
    expire: Decree 105/2016.)"""
    expiring: list[Any] = []
    for model in (Accreditation, Designation, Verifier):
        stmt = visible_credentials(model, actor).where(
            model.valid_to >= today,
            model.valid_to <= today + timedelta(days=days),
            model.confirmation != ConfirmationState.REJECTED.value,
        )
        if model is Accreditation:
            stmt = stmt.where(Accreditation.suspension.is_(None))
        expiring.extend(db.session.scalars(stmt))
    return sorted(expiring, key=lambda credential: (credential.valid_to, credential.id))
