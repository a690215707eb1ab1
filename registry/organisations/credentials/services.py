"""Provider credentials: a provider's manager (or the Department) enters them, the Department confirms
or rejects them; amendments, revocations and suspensions keep a reason and a version.

Who may do what is declared by the models (``Organisation.__acl__``: who manages a provider's credentials;
``Credential.__acl__``: who amends, reviews and revokes one) and asked through :mod:`registry.auth.policy`.
The Department's credentials are confirmed at once (it is the authority that would confirm them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.audit import services as audit
from registry.auth import policy
from registry.auth.models import User
from registry.auth.policy import Actor, Permission
from registry.core.errors import FieldErrors, ServiceError
from registry.core.models import utcnow
from registry.core.services import MAX_REASON_LENGTH, check_version, require_reason
from registry.core.validation import clean_text
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
from registry.organisations.services import find_by_code

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
        ("decision_number", "type_codes", "scope", "valid_from", "valid_to"),
        ("decision_number",),
    ),
    Verifier: Kind(
        Verifier,
        clean_verifier,
        ("name", "card_number", "type_codes", "valid_from", "valid_to"),
        ("card_number",),
    ),
}


def _organisation(actor: Actor, organisation: Organisation | str | None) -> Organisation:
    """The provider a new credential is for: the one given, the one named by a code the actor may see,
    or the actor's own organisation. Another organisation's code answers as one that does not exist."""
    if isinstance(organisation, Organisation):
        return organisation
    if organisation is None:
        own = policy.own_organisation(actor)
        if own is None or (policy.is_department(actor) and not own.is_provider):
            raise ServiceError({"organisation": _l("This field is required.")})
        return own
    found = find_by_code(organisation)
    if found is None or not policy.can_see(actor, found):
        raise ServiceError({"organisation": _l("No such organisation.")})
    return found


def _require_manage(actor: Actor, organisation: Organisation) -> None:
    policy.require(
        actor,
        organisation,
        Permission.MANAGE_CREDENTIALS,
        _l("Only the provider's manager or the Department may enter its credentials."),
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


def _confirm(credential: AnyCredential, actor: Actor, state: ConfirmationState) -> None:
    credential.confirmation = state.value
    credential.confirmed_by_id = actor.id if isinstance(actor, User) else None
    credential.confirmed_at = utcnow()


def _refuse_unknown(kind: Kind, names: Iterable[str]) -> None:
    unknown = set(names) - set(kind.fields)
    if unknown:
        raise ServiceError({key: _l("This field is not accepted here.") for key in sorted(unknown)})


REVOKED_BY_THE_DEPARTMENT = _l("Only the Department may revoke or suspend a credential.")


def check_may_enter(actor: Actor, model: Any) -> None:
    """Refuse (403) an actor who may enter no credential of kind ``model`` at all."""
    message = _l("Only a provider's manager or the Department may enter credentials.")
    policy.require(actor, model, Permission.CREATE, message)


def create_credential(
    actor: Actor, model: Any, organisation: Organisation | str | None, values: Mapping[str, Any]
) -> Any:
    """Enter a credential of kind ``model`` for ``organisation`` (an organisation, its code, or the
    actor's own when None), which must be a provider. The Department's are confirmed at once; a lab's wait
    for the Department's confirmation."""
    kind = KINDS[model]
    check_may_enter(actor, model)
    provider = _organisation(actor, organisation)
    _require_manage(actor, provider)
    _refuse_unknown(kind, values)
    if set(values) & kind.department_only:
        policy.require(actor, model, Permission.REVOKE, REVOKED_BY_THE_DEPARTMENT)
    errors = FieldErrors()
    if not provider.is_provider:
        errors.add("organisation", _l("%(code)s is not a service provider.", code=provider.code))
    cleaned = kind.clean(values, errors)
    _check_unique(kind, provider, cleaned, errors)
    errors.raise_if_any()
    credential = model(organisation=provider, **cleaned)
    if policy.permits(actor, credential, Permission.REVIEW):
        _confirm(credential, actor, ConfirmationState.CONFIRMED)
    db.session.add(credential)
    db.session.flush()
    return credential


def _current(kind: Kind, credential: AnyCredential) -> dict[str, Any]:
    values = {key: getattr(credential, key) for key in kind.fields}
    if isinstance(credential, Designation):
        # The scope's entries name a range; the types without one come from type_codes.
        values["scope"] = [entry for entry in credential.scope if entry.get("range")]
    return values


def amend_credential(
    actor: Actor,
    credential: AnyCredential,
    changes: Mapping[str, Any],
    *,
    reason: object,
    version: int | None = None,
) -> AnyCredential:
    """Change the fields in ``changes`` (the others stay as they are). An amendment by the provider sends
    the credential back to the Department's confirmation."""
    kind = KINDS[type(credential)]
    policy.require(actor, credential, Permission.CHANGE)
    _refuse_unknown(kind, changes)
    current = _current(kind, credential)
    # A provider's form may send the value it was shown: only a change is refused.
    if any(changes[key] != current[key] for key in changes.keys() & kind.department_only):
        policy.require(actor, credential, Permission.REVOKE, REVOKED_BY_THE_DEPARTMENT)
    check_version(credential, version)
    errors = FieldErrors()
    why = errors.run(require_reason, reason)
    cleaned = kind.clean({**current, **changes}, errors)
    _check_unique(kind, credential.organisation, cleaned, errors, exclude=credential.id)
    errors.raise_if_any()
    stored = {key: getattr(credential, key) for key in cleaned}
    changed = {key: value for key, value in cleaned.items() if stored[key] != value}
    if not changed:
        raise ServiceError({"_": _l("Nothing was changed.")})
    with audit.reason(why):
        for key, value in changed.items():
            setattr(credential, key, value)
        if (
            not policy.permits(actor, credential, Permission.REVIEW)
            and credential.confirmation != ConfirmationState.PENDING.value
        ):
            # The Department confirmed (or rejected) what it saw, not this: it looks again.
            credential.confirmation = ConfirmationState.PENDING.value
            credential.confirmed_by_id = None
            credential.confirmed_at = None
    return credential


def review_credential(
    actor: Actor, credential: AnyCredential, *, decision: str, reason: object = None
) -> AnyCredential:
    """The Department confirms or rejects ``credential``; a rejection needs a reason."""
    policy.require(
        actor, credential, Permission.REVIEW, _l("Only the Department may confirm or reject credentials.")
    )
    if decision not in DECISIONS:
        raise ServiceError({"decision": _l("Confirm or reject.")})
    target = ConfirmationState.CONFIRMED if decision == "confirm" else ConfirmationState.REJECTED
    given = clean_text(reason, field="reason", max_length=MAX_REASON_LENGTH, required=False)
    why = require_reason(reason) if decision == "reject" or given else _l("Confirmed by the Department.")
    if credential.confirmation == target.value:
        message = (
            _l("This credential is already confirmed.")
            if target is ConfirmationState.CONFIRMED
            else _l("This credential is already rejected.")
        )
        raise ServiceError({"decision": message})
    with audit.reason(why):
        _confirm(credential, actor, target)
    return credential
