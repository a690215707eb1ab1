"""Permission rows of events (see tests/test_permissions.py).

- Everyone logged in sees the list of the events they may see; an event answers 404 outside the
  Department unless the actor's organisation recorded it or owns its item.
- Recording: the Department's admin (on a lab's behalf), labs (manager and technician) and enterprise
  managers (their in-house kinds); the officer and viewers get 403. Each actor posts an event that its
  organisation may record (see ``_recording``): those allowed really record it, and a refusal can only
  come from the role.
- Amending and voiding: the lab that recorded the event (its manager and technician) and the
  Department's admin; the owner of the item sees it but may not change a lab's record (403).
- Reporting a repair: like editing the item (its owner's managers and the Department).
- Signing: the staff of the lab that recorded the event, each with its own password; the Department (which
  may see it) and the item's owner are refused (403).

The URL builders record a calibration through the service: by the target organisation when it is a
lab, otherwise by a new lab on an instrument the target organisation owns.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select

from registry.auth.models import User
from registry.events.models import Event
from registry.events.recording import record_event
from registry.extensions import db
from registry.organisations.credentials.state import find_registration
from registry.organisations.models import Organisation
from tests.factories import (
    DEFAULT_PASSWORD,
    InstrumentFactory,
    OrganisationFactory,
    give_credentials,
    lab_with_credentials,
)
from tests.helpers import SYSTEM
from tests.matrix.base import (
    DEPARTMENT_SEES,
    EVERYONE,
    LOGIN,
    MANAGERS,
    NONE,
    OTHER,
    OWN,
    TOKEN_HOLDERS,
    Body,
    Expected,
    Redirect,
    Row,
    UrlValues,
    department_saves,
    managers_save,
)
from tests.matrix.items import INSTRUMENT
from tests.matrix.items import URL_VALUES as ITEM_URL_VALUES

# The page of the event, or of the revision, just stored (its id is not known before).
STORED = Redirect("/events/", prefix=True)
VOIDED = Redirect("/events/{event_id}")
PERFORMED_ON = date(2025, 6, 2)
CERTIFICATE = "PERM-HC-1"
REASON = "Sửa theo hồ sơ gốc số 3"

API_EVENTS = "events_api.Events"
API_EVENT = "events_api.EventById"
API_AMEND = "events_api.EventAmend"
API_VOID = "events_api.EventVoid"
API_SIGN = "events_api.EventSign"
SIGNED = Redirect("/events/{event_id}")
SIGNERS = (LOGIN, 403, 403, 200, 200, 403, 403)
SIGNER_OF_OTHERS = (LOGIN, 403, 403, 404, 404, 404, 404)

CHANGERS = (LOGIN, 200, 403, 200, 200, 403, 403)
CHANGER_OF_OTHERS = (LOGIN, 200, 403, 404, 404, 404, 404)


def _changed(done: Expected) -> Row:
    return (LOGIN, done, 403, done, done, 403, 403)


def _changed_other(done: Expected) -> Row:
    return (LOGIN, done, 403, 404, 404, 404, 404)


def _api(row: Row) -> Row:
    return (401, *row[1:])


# fmt: off
ROWS: dict[tuple[str, str, str], Row] = {
    # (endpoint, method, target): anonymous, d_admin, d_officer, p_manager, p_technician, e_manager, e_viewer
    ("events.index", "GET", NONE):      EVERYONE,
    ("events.record", "GET", NONE):     (LOGIN, 200, 403, 200, 200, 200, 403),
    ("events.record", "POST", NONE):    (LOGIN, STORED, 403, STORED, STORED, STORED, 403),
    ("events.detail", "GET", OWN):      EVERYONE,
    ("events.detail", "GET", OTHER):    DEPARTMENT_SEES,
    ("events.amend", "GET", OWN):       CHANGERS,
    ("events.amend", "GET", OTHER):     CHANGER_OF_OTHERS,
    ("events.amend", "POST", OWN):      _changed(STORED),
    ("events.amend", "POST", OTHER):    _changed_other(STORED),
    ("events.void", "GET", OWN):        CHANGERS,
    ("events.void", "GET", OTHER):      CHANGER_OF_OTHERS,
    ("events.void", "POST", OWN):       _changed(VOIDED),
    ("events.void", "POST", OTHER):     _changed_other(VOIDED),
    ("events.repair", "GET", OWN):      MANAGERS,
    ("events.repair", "GET", OTHER):    DEPARTMENT_SEES,
    ("events.repair", "POST", OWN):     managers_save(INSTRUMENT),
    ("events.repair", "POST", OTHER):   department_saves(INSTRUMENT),
    (API_EVENTS, "GET", NONE):          TOKEN_HOLDERS,
    (API_EVENTS, "POST", NONE):         (401, 201, 403, 201, 201, 201, 403),
    (API_EVENT, "GET", OWN):            TOKEN_HOLDERS,
    (API_EVENT, "GET", OTHER):          _api(DEPARTMENT_SEES),
    (API_AMEND, "POST", OWN):           _api(_changed(201)),
    (API_AMEND, "POST", OTHER):         _api(_changed_other(201)),
    (API_VOID, "POST", OWN):            _api(_changed(200)),
    (API_VOID, "POST", OTHER):          _api(_changed_other(200)),
    ("events.sign", "GET", OWN):        SIGNERS,
    ("events.sign", "GET", OTHER):      SIGNER_OF_OTHERS,
    ("events.sign", "POST", OWN):       (LOGIN, 403, 403, SIGNED, SIGNED, 403, 403),
    ("events.sign", "POST", OTHER):     SIGNER_OF_OTHERS,
    (API_SIGN, "POST", OWN):            (401, 403, 403, 201, 201, 403, 403),
    (API_SIGN, "POST", OTHER):          _api(SIGNER_OF_OTHERS),
}
# fmt: on

_AMEND_FORM = {
    "performed_on": PERFORMED_ON.isoformat(),
    "result": "pass",
    "certificate_number": CERTIFICATE,
    "technician": "Người hiệu chuẩn lại",
    "reason": REASON,
}


def _recording(user: User, organisation: Organisation | None) -> dict[str, Any]:
    """An event that the actor's organisation records, on a balance made for it: a lab (given the
    credentials it needs) calibrates another owner's; the Department's admin records that for a lab,
    saying why; an enterprise calibrates its own in-house. Those who may not record (the officer, a
    viewer, anonymous) send what their organisation's recorders would."""
    body = {
        "kind": "calibration",
        "performed_on": PERFORMED_ON.isoformat(),
        "result": "pass",
        "certificate_number": "PERM-NEW-1",
    }
    owner = user.organisation
    if owner.is_department:
        body |= {"provider": lab_with_credentials().code, "reason": REASON}
        owner = OrganisationFactory()
    elif owner.is_provider:
        give_credentials(owner)
        owner = OrganisationFactory()
    else:
        body["kind"] = "internal_calibration"
    balance = InstrumentFactory(owner=owner, type_code="BALANCE_PRECISION", internal=True)
    return body | {
        "owner": owner.code,
        "serial_number": balance.serial_number,
        "type_code": "BALANCE_PRECISION",
    }


FORM_BODIES: dict[tuple[str, str], Body] = {
    ("events.record", "POST"): _recording,
    ("events.amend", "POST"): _AMEND_FORM,
    ("events.void", "POST"): {"reason": REASON},
    ("events.repair", "POST"): {"repaired_on": PERFORMED_ON.isoformat(), "reason": REASON, "version": "1"},
    ("events.sign", "POST"): {"password": DEFAULT_PASSWORD},
}
JSON_BODIES: dict[tuple[str, str], Body] = {
    (API_EVENTS, "POST"): _recording,
    (API_AMEND, "POST"): {"technician": "Người hiệu chuẩn lại", "reason": REASON},
    (API_VOID, "POST"): {"reason": REASON},
    (API_SIGN, "POST"): {"meaning": "performed", "password": DEFAULT_PASSWORD},
}


def record_calibration(
    organisation: Organisation,
    certificate: str,
    extra: Callable[[Organisation], dict[str, Any]] | None = None,
) -> Event:
    """A current calibration of a balance on PERFORMED_ON: by the target lab (given the credentials it needs)
    of another's balance, or by a new lab of the target's; ``extra(lab)`` adds values."""
    if organisation.is_provider:
        lab, owner = organisation, OrganisationFactory()
        if find_registration(lab, "calibration", PERFORMED_ON) is None:
            give_credentials(lab)
    else:
        lab, owner = give_credentials(OrganisationFactory(provider=True)), organisation
    balance = InstrumentFactory(owner=owner, type_code="BALANCE_PRECISION", internal=True)
    values = {
        "item": balance,
        "provider": lab.code,
        "kind": "calibration",
        "performed_on": PERFORMED_ON,
        "result": "pass",
        "certificate_number": certificate,
    }
    return record_event(SYSTEM, values | (extra(lab) if extra else {}))


def _event(organisation: Organisation) -> dict[str, Any]:
    """A current calibration (certificate CERTIFICATE) of the target lab, or on the target's instrument;
    the one already recorded when a walk asks twice."""
    if organisation.is_provider:
        recorded = db.session.scalar(
            select(Event.id).where(
                Event.provider_id == organisation.id,
                Event.certificate_number == CERTIFICATE,
                Event.state == "current",
            )
        )
        if recorded is not None:
            return {"event_id": recorded}
    return {"event_id": record_calibration(organisation, CERTIFICATE).id}


URL_VALUES: dict[str, UrlValues] = {
    "events.detail": _event,
    "events.amend": _event,
    "events.void": _event,
    "events.repair": ITEM_URL_VALUES["items.instrument"],
    API_EVENT: _event,
    API_AMEND: _event,
    API_VOID: _event,
    "events.sign": lambda organisation: {**_event(organisation), "meaning": "performed"},
    API_SIGN: _event,
}
