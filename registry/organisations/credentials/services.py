"""Provider credentials: a provider's manager (or the Department) enters them, the Department confirms
or rejects them; amendments, revocations and suspensions keep a reason and a version.

Who may do what:
- create: the Department for any provider organisation (confirmed at once: the Department is the
  authority that would confirm it), a provider_manager for its own organisation (pending);
- amend: the same people; an amendment by the provider sends the credential back to pending;
- revoke a registration (``revoked_on``) or suspend/withdraw an accreditation (``suspension``), and
  confirm or reject: the Department only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.audit.services import set_reason
from registry.auth.models import DEPARTMENT_ROLES, Role, User
from registry.core.errors import FieldErrors, ForbiddenError, NotFoundError, ServiceError
from registry.core.models import utcnow
from registry.core.services import check_version, require_reason
from registry.extensions import db
from registry.organisations.credentials.parsing import (
    clean_accreditation,
    clean_designation,
    clean_registration,
    clean_verifier,
)
from registry.organisations.credentials.state import AnyCredential
from registry.organisations.models import (
    Accreditation,
    ConfirmationState,
    Designation,
    Organisation,
    Registration,
    Verifier,
)
from registry.organisations.parsing import UNSET

DECISIONS = ("confirm", "reject")


@dataclass(frozen=True)
class Kind:
    model: Any
    clean: Callable[[Mapping[str, Any], FieldErrors], dict[str, Any]]
    fields: tuple[str, ...]
    # The fields that say which document it is: two of the same organisation may not share them.
    identity: tuple[str, ...]
    # What only the Department may change.
    department_only: frozenset[str] = frozenset()


KINDS: dict[type, Kind] = {
    Registration: Kind(
        Registration,
        clean_registration,
        ("certificate_number", "services", "fields", "issued_on", "revoked_on"),
        ("certificate_number",),
        frozenset({"revoked_on"}),
    ),
    Accreditation: Kind(
        Accreditation,
        clean_accreditation,
        ("scheme", "body", "number", "scope", "valid_from", "valid_to", "suspension"),
        ("scheme", "number"),
        frozenset({"suspension"}),
    ),
    Designation: Kind(
        Designation,
        clean_designation,
        ("decision_number", "scope", "valid_from", "valid_to"),
        ("decision_number",),
    ),
    Verifier: Kind(
        Verifier, clean_verifier, ("name", "card_number", "type_codes", "valid_to"), ("card_number",)
    ),
}


# --- Rules ---------------------------------------------------------------------------------------------


def is_department(user: User | None) -> bool:
    return user is not None and user.has_role(*DEPARTMENT_ROLES)


def may_manage_credentials(user: User, organisation: Organisation) -> bool:
    """Whether ``user`` may enter and amend ``organisation``'s credentials."""
    return is_department(user) or (
        user.has_role(Role.PROVIDER_MANAGER) and user.organisation_id == organisation.id
    )


def _check_may_manage(user: User | None, organisation: Organisation) -> None:
    if user is None or may_manage_credentials(user, organisation):
        return
    if user.organisation_id != organisation.id:
        raise NotFoundError({"organisation": _l("No such organisation.")})
    raise ForbiddenError(
        message=_l("Only the provider's manager or the Department may enter its credentials.")
    )


def _check_unique(
    kind: Kind,
    organisation: Organisation,
    values: dict[str, Any],
    errors: FieldErrors,
    exclude: int | None = None,
) -> None:
    if any(values.get(key) in (None, "") for key in kind.identity):
        return
    stmt = select(kind.model.id).where(
        kind.model.organisation_id == organisation.id,
        kind.model.id != (exclude or 0),
        *(getattr(kind.model, key) == values[key] for key in kind.identity),
    )
    if db.session.scalar(stmt) is not None:
        errors.add(kind.identity[-1], _l("This provider already has a credential with this number."))


def _confirm(credential: AnyCredential, actor: User, state: ConfirmationState) -> None:
    credential.confirmation = state.value
    credential.confirmed_by_id = actor.id
    credential.confirmed_at = utcnow()


def create_credential(model: Any, organisation: Organisation, *, actor: User | None, **raw: Any) -> Any:
    """Enter a credential of kind ``model`` for ``organisation`` (which must be a provider)."""
    kind = KINDS[model]
    _check_may_manage(actor, organisation)
    errors = FieldErrors()
    if not organisation.is_provider:
        errors.add("organisation", _l("%(code)s is not a service provider.", code=organisation.code))
    unknown = set(raw) - set(kind.fields)
    if unknown:
        raise ServiceError({key: _l("This field is not accepted here.") for key in sorted(unknown)})
    if set(raw) & kind.department_only and not is_department(actor):
        raise ForbiddenError(message=_l("Only the Department may revoke or suspend a credential."))
    values = kind.clean(raw, errors)
    _check_unique(kind, organisation, values, errors)
    errors.raise_if_any()
    credential = model(organisation=organisation, **values)
    if actor is not None and is_department(actor):
        _confirm(credential, actor, ConfirmationState.CONFIRMED)
    db.session.add(credential)
    db.session.flush()
    return credential


def create_registration(organisation: Organisation, *, actor: User | None, **raw: Any) -> Registration:
    registration: Registration = create_credential(Registration, organisation, actor=actor, **raw)
    return registration


def create_accreditation(organisation: Organisation, *, actor: User | None, **raw: Any) -> Accreditation:
    accreditation: Accreditation = create_credential(Accreditation, organisation, actor=actor, **raw)
    return accreditation


def create_designation(organisation: Organisation, *, actor: User | None, **raw: Any) -> Designation:
    designation: Designation = create_credential(Designation, organisation, actor=actor, **raw)
    return designation


def create_verifier(organisation: Organisation, *, actor: User | None, **raw: Any) -> Verifier:
    verifier: Verifier = create_credential(Verifier, organisation, actor=actor, **raw)
    return verifier


def _current(kind: Kind, credential: AnyCredential) -> dict[str, Any]:
    return {key: getattr(credential, key) for key in kind.fields}


def amend_credential(
    credential: AnyCredential,
    *,
    actor: User | None,
    reason: str | None,
    version: int | None = None,
    **raw: Any,
) -> AnyCredential:
    """Change the given fields of ``credential`` (left-out ones, or ``UNSET``, stay as they are)."""
    kind = KINDS[type(credential)]
    given = {key: value for key, value in raw.items() if value is not UNSET}
    _check_may_manage(actor, credential.organisation)
    # A provider's form may send the value it was shown: only a change is refused.
    if not is_department(actor) and any(
        given[key] != getattr(credential, key) for key in given.keys() & kind.department_only
    ):
        raise ForbiddenError(message=_l("Only the Department may revoke or suspend a credential."))
    check_version(credential, version)
    errors = FieldErrors()
    reason = errors.run(require_reason, reason)
    current = _current(kind, credential)
    unknown = set(given) - set(current)
    if unknown:
        raise ServiceError({key: _l("This field is not accepted here.") for key in sorted(unknown)})
    values = kind.clean({**current, **given}, errors)
    _check_unique(kind, credential.organisation, values, errors, exclude=credential.id)
    errors.raise_if_any()
    changed = {key: value for key, value in values.items() if current[key] != value}
    if not changed:
        raise ServiceError({"_": _l("Nothing was changed.")})
    for key, value in changed.items():
        setattr(credential, key, value)
    if not is_department(actor) and credential.confirmation != ConfirmationState.PENDING.value:
        # The Department confirmed (or rejected) what it saw, not this: it looks again.
        credential.confirmation = ConfirmationState.PENDING.value
        credential.confirmed_by_id = None
        credential.confirmed_at = None
    set_reason(reason)
    db.session.flush()
    return credential


def review_credential(
    credential: AnyCredential, *, actor: User, decision: str, reason: str | None = None
) -> AnyCredential:
    """The Department confirms or rejects ``credential``; a rejection needs a reason."""
    if not is_department(actor):
        raise ForbiddenError(message=_l("Only the Department may confirm or reject credentials."))
    if decision not in DECISIONS:
        raise ServiceError({"decision": _l("Confirm or reject.")})
    target = ConfirmationState.CONFIRMED if decision == "confirm" else ConfirmationState.REJECTED
    if decision == "reject" or (reason or "").strip():
        reason = require_reason(reason)
    else:
        reason = _("Confirmed by the Department.")
    if credential.confirmation == target.value:
        message = (
            _l("This credential is already confirmed.")
            if target is ConfirmationState.CONFIRMED
            else _l("This credential is already rejected.")
        )
        raise ServiceError({"decision": message})
    _confirm(credential, actor, target)
    set_reason(reason)
    db.session.flush()
    return credential
