"""Activities the Department records for its plans: recording, changing (with a reason, audited), voiding
(kept with its reason) and listing them. The web form and the API send the same values through the same
cleaning: organisations as codes (a list, or text separated by commas, spaces or lines), participants as
``{name, organisation, role}`` (a list, or one line each written ``name | organisation | role``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from registry.audit import services as audit
from registry.auth import policy
from registry.auth.policy import Actor, Permission
from registry.core.dates import EARLIEST, LATEST, clean_date
from registry.core.errors import FieldErrors, NotFoundError, ServiceError
from registry.core.models import MAX_ID
from registry.core.services import check_version, require_reason
from registry.core.validation import clean_text
from registry.extensions import db
from registry.organisations.models import Organisation
from registry.organisations.services import find_by_code
from registry.plan.models import Activity, ActivityKind, ActivityState, Participant

FIELDS = frozenset({"kind", "held_on", "title", "notes", "outlet", "link", "organisations", "participants"})
MAX_PARTICIPANTS = 2000
URL = re.compile(r"https?://[^\s]+\Z", re.IGNORECASE)
SEPARATORS = re.compile(r"[,;\s]+")


def check_may_record(actor: Actor) -> None:
    policy.require(
        actor, Activity, Permission.CREATE, _l("Only the Department records the plan's activities.")
    )


def clean_kind(value: object) -> str:
    try:
        return ActivityKind(str(value or "").strip().lower()).value
    except ValueError:
        raise ServiceError({"kind": _l("Choose a kind of activity from the list.")}) from None


def clean_link(value: object) -> str:
    link = clean_text(value, field="link", max_length=500, required=False)
    if link and not URL.match(link):
        raise ServiceError({"link": _l("Enter a web address starting with http:// or https://.")})
    return link


def clean_organisations(value: object) -> list[Organisation]:
    """The organisations named by code; each unknown code is named in the message."""
    if value is None:
        return []
    codes = SEPARATORS.split(value) if isinstance(value, str) else value
    if not isinstance(codes, list | tuple):
        raise ServiceError({"organisations": _l("Send a list of organisation codes.")})
    found: list[Organisation] = []
    for code in codes:
        if isinstance(code, str) and not code.strip():
            continue
        organisation = find_by_code(code)
        if organisation is None:
            raise ServiceError(
                {"organisations": _l("No organisation has the code %(code)s.", code=str(code)[:40])}
            )
        if organisation not in found:
            found.append(organisation)
    return found


def clean_participants(value: object) -> list[dict[str, str]]:
    if value is None:
        return []
    if isinstance(value, str):
        entries: list[Any] = []
        for line in value.splitlines():
            if line.strip():
                name, _, rest = line.partition("|")
                organisation, _, role = rest.partition("|")
                entries.append({"name": name, "organisation": organisation, "role": role})
    elif isinstance(value, list | tuple):
        entries = list(value)
    else:
        raise ServiceError({"participants": _l("Send a list of participants.")})
    if len(entries) > MAX_PARTICIPANTS:
        raise ServiceError({"participants": _l("At most %(count)d participants.", count=MAX_PARTICIPANTS)})
    people = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, Mapping):
            raise ServiceError({"participants": _l("Participant %(number)d: send a name.", number=number)})
        try:
            people.append(
                {
                    "name": clean_text(entry.get("name"), field="participants", max_length=200),
                    "organisation": clean_text(
                        entry.get("organisation"), field="participants", max_length=255, required=False
                    ),
                    "role": clean_text(
                        entry.get("role"), field="participants", max_length=120, required=False
                    ),
                }
            )
        except ServiceError as error:
            message = error.fields.get("participants", error.message)
            raise ServiceError(
                {"participants": _l("Participant %(number)d: %(why)s", number=number, why=message)}
            ) from None
    return people


def _clean(given: Mapping[str, Any], errors: FieldErrors) -> dict[str, Any]:
    cleaners: dict[str, Any] = {
        "kind": lambda v: clean_kind(v),
        "held_on": lambda v: clean_date(v, field="held_on", past=True),
        "title": lambda v: clean_text(v, field="title", max_length=300),
        "notes": lambda v: clean_text(v, field="notes", max_length=5000, required=False),
        "outlet": lambda v: clean_text(v, field="outlet", max_length=200, required=False),
        "link": clean_link,
        "organisations": clean_organisations,
        "participants": clean_participants,
    }
    return {key: errors.run(cleaners[key], given[key]) for key in cleaners if key in given}


def _refuse_unknown(fields: Mapping[str, Any]) -> None:
    unknown = set(fields) - FIELDS
    if unknown:
        raise ServiceError({key: _l("This field is not accepted here.") for key in sorted(unknown)})


def _apply(activity: Activity, values: dict[str, Any]) -> None:
    people = values.pop("participants", None)
    organisations = values.pop("organisations", None)
    for key, value in values.items():
        if getattr(activity, key) != value:
            setattr(activity, key, value)
    if organisations is not None and organisations != activity.organisations:
        activity.organisations = organisations
    current = [
        {"name": p.name, "organisation": p.organisation, "role": p.role} for p in activity.participants
    ]
    if people is not None and people != current:
        activity.participants = [Participant(**person) for person in people]


def create_activity(actor: Actor, **fields: Any) -> Activity:
    """Record an activity: ``kind``, ``held_on`` (not in the future) and ``title`` are required."""
    check_may_record(actor)
    _refuse_unknown(fields)
    errors = FieldErrors()
    values = _clean({"kind": None, "held_on": None, "title": None, **fields}, errors)
    errors.raise_if_any()
    activity = Activity(state=ActivityState.CURRENT.value)
    _apply(activity, values)
    db.session.add(activity)
    db.session.flush()
    return activity


def update_activity(
    actor: Actor,
    activity: Activity,
    changes: Mapping[str, Any],
    *,
    reason: object,
    version: int | None = None,
) -> Activity:
    """Change an activity (the tallies follow); ``reason`` is required and audited."""
    policy.require(actor, activity, Permission.CHANGE, _l("Only the Department changes activities."))
    _refuse_unknown(changes)
    if activity.void:
        raise ServiceError({"_": _l("This activity is void: it cannot be changed.")})
    check_version(activity, version)
    errors = FieldErrors()
    why = errors.run(require_reason, reason)
    values = _clean(changes, errors)
    errors.raise_if_any()
    with audit.reason(why):
        _apply(activity, values)
    return activity


def void_activity(actor: Actor, activity: Activity, *, reason: object) -> Activity:
    """Void an activity: it stays on record with its reason and counts nowhere."""
    policy.require(actor, activity, Permission.CHANGE, _l("Only the Department changes activities."))
    if activity.void:
        raise ServiceError({"_": _l("This activity is already void.")})
    why = require_reason(reason)
    with audit.reason(why):
        activity.state = ActivityState.VOID.value
        activity.state_reason = why
    return activity


def visible_activities(
    actor: Actor, *, kind: str | None = None, year: int | None = None, include_void: bool = True
) -> Select[Any]:
    check_may_record(actor)
    stmt = select(Activity)
    if kind is not None:  # an empty kind names no kind: refused, as an unknown one is
        stmt = stmt.where(Activity.kind == clean_kind(kind))
    if year is not None:
        if not EARLIEST.year <= year <= LATEST.year:
            raise ServiceError({"year": _l("Enter a year from 1900 to 2200.")})
        stmt = stmt.where(Activity.held_on >= date(year, 1, 1), Activity.held_on <= date(year, 12, 31))
    if not include_void:
        stmt = stmt.where(Activity.state == ActivityState.CURRENT.value)
    return stmt


def get_activity(actor: Actor, activity_id: int, permission: Permission = Permission.VIEW) -> Activity:
    activity = db.session.get(Activity, activity_id) if 0 < activity_id <= MAX_ID else None
    if activity is None or not policy.can_see(actor, activity):
        raise NotFoundError({"id": _l("No such activity.")})
    policy.require(actor, activity, permission, _l("Only the Department changes activities."), seen=True)
    return activity
