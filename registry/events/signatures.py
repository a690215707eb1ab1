"""Electronic signatures of results (ISO/IEC 17025 §7.5, §7.8.2): the person who performed the work signs
the event, then another person of the same organisation reviews and signs it; each re-enters the password
and the code of the authenticator app when there is one (a signature is a deliberate act of its own, not a
side effect of being logged in). The record keeps who
signed, when, and what each signature means. A signed event is never edited: an amendment is a new revision,
signed anew, and the signed one stays as it was."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from registry.auth import policy
from registry.auth.models import User
from registry.auth.policy import Actor, Permission
from registry.auth.sessions import reauthenticate
from registry.core.errors import FieldErrors, ForbiddenError, ServiceError
from registry.events.models import Event, EventSignature, EventState, SignatureMeaning
from registry.extensions import db

NOT_A_SIGNER = _l("Only the staff of the organisation that recorded this event sign it.")


def _meaning(value: object) -> SignatureMeaning:
    try:
        return SignatureMeaning(str(value))
    except ValueError:
        raise ServiceError({"meaning": _l("Sign as who performed it, or as who reviewed it.")}) from None


def _signature(event: Event, meaning: SignatureMeaning) -> EventSignature | None:
    return next((signature for signature in event.signatures if signature.meaning == meaning), None)


def signatures_due(actor: Actor, event: Event) -> list[SignatureMeaning]:
    """The signatures ``actor`` could give ``event`` now (for the buttons of its page)."""
    if event.state != EventState.CURRENT or not policy.permits(actor, event, Permission.SIGN):
        return []
    performed = _signature(event, SignatureMeaning.PERFORMED)
    if performed is None:
        return [SignatureMeaning.PERFORMED]
    if _signature(event, SignatureMeaning.REVIEWED) is None and performed.user_id != getattr(
        actor, "id", None
    ):
        return [SignatureMeaning.REVIEWED]
    return []


def sign_event(
    actor: Actor, event: Event, *, meaning: object, password: object, address: str, code: object = None
) -> EventSignature:
    """Sign the current revision of ``event`` as who performed it, or — once it is signed so, and by
    someone else — as who reviewed it. ``password`` is the signer's (and ``code`` its authenticator app's,
    when it has one), checked — and their failures counted — as at the login, from ``address``."""
    if not isinstance(actor, User):
        raise ForbiddenError(message=_l("A signature is a person's."))
    policy.require(actor, event, Permission.SIGN, NOT_A_SIGNER)
    if policy.must_use_two_factor(actor) and not actor.two_factor_on:
        raise ServiceError({"_": _l("Your role requires two-factor sign-in: set it up before signing.")})
    reauthenticate(actor, password=password, code=code, address=address)
    errors = FieldErrors()
    signed_as = errors.run(_meaning, meaning)
    if event.state != EventState.CURRENT:
        errors.add("_", _l("Only the current revision of an event is signed."))
    if signed_as is not None:
        performed = _signature(event, SignatureMeaning.PERFORMED)
        if _signature(event, signed_as) is not None:
            errors.add("meaning", _l("This revision is signed so already."))
        elif signed_as == SignatureMeaning.REVIEWED and performed is None:
            errors.add("meaning", _l("Who performed it signs first; the review comes after."))
        elif (
            signed_as == SignatureMeaning.REVIEWED and performed is not None and performed.user_id == actor.id
        ):
            errors.add("meaning", _l("The review is signed by someone other than who performed it."))
    errors.raise_if_any()
    assert signed_as is not None
    signature = EventSignature(
        user_id=actor.id,
        meaning=signed_as.value,
        signer_name=actor.name or actor.email,
        signer_email=actor.email,
    )
    try:
        with db.session.begin_nested():
            event.signatures.append(signature)
            db.session.flush()
    except IntegrityError:
        # Two people signed the same revision in the same meaning at once: the first signature stands.
        raise ServiceError({"meaning": _l("This revision is signed so already.")}) from None
    return signature
