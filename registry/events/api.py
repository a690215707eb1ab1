"""/api/v1/events: verifications, calibrations, tests and checks (DESIGN §2 "Event", §5).

An event names its item by ``item`` (an id the caller can see) or, for an instrument a lab has not
served yet, by ``owner`` + ``serial_number`` (+ ``type_code`` when the owner has several with that
serial number). Events are never edited nor deleted: ``amend`` answers 201 with the new revision,
``void`` answers the voided event.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_babel import lazy_gettext as _l

from registry.api.auth import api_user
from registry.api.blueprint import Blueprint
from registry.api.pagination import MAX_KEY, ListArgsSchema, PlainInteger, paginate
from registry.api.schemas import ChangeSchema, documents_errors, register_collection
from registry.core.errors import ServiceError
from registry.events import access, services
from registry.events.models import Event, EventKind, EventState
from registry.items import access as item_access
from registry.items.api import CodeOf, day
from registry.items.models import Item, Result
from registry.items.status import local_today

blp = Blueprint(
    "events_api",
    __name__,
    url_prefix="/events",
    description="Verifications, calibrations, tests and checks, with the validity they give.",
)

KINDS = [kind.value for kind in EventKind]
RESULTS = [result.value for result in Result]


class Points(ma.fields.List):
    """Measurement points as given: the service checks each and names the wrong one."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            ma.fields.Dict(),
            metadata={
                "description": "[{nominal, as_found, as_left, error, mpe, uncertainty, unit}, …]; numbers as "
                "JSON numbers or decimal text (0.05 or 0,05)."
            },
            **kwargs,
        )


class VerifierCard(ma.fields.String):
    """The verifier by card number."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            allow_none=True,
            metadata={"description": "The verifier's card number (a Group 2 verification needs one)."},
            **kwargs,
        )

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = ma.missing) -> Any:
        return obj.verifier.card_number if obj.verifier else None


class StandardIds(ma.fields.List):
    """The standards and reference materials used, by id."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            ma.fields.Integer(strict=True),
            metadata={"description": "Ids of the lab's own standards and reference materials."},
            **kwargs,
        )

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = ma.missing) -> Any:
        return sorted(item.id for item in obj.standards_used)


class EventSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    item = ma.fields.Integer(
        strict=True,
        attribute="item_id",
        metadata={"description": "The item's id; or leave it out and give owner and serial_number."},
    )
    provider = CodeOf(
        "provider",
        metadata={
            "description": "The lab's code: your own if left out (the Department's admin names the lab)."
        },
    )
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    performed_on = day(required=True, metadata={"description": "Not in the future."})
    result = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(RESULTS),
        metadata={"description": "pass or fail; a calibration may be not_stated."},
    )
    certificate_number = ma.fields.String(allow_none=True)
    record_number = ma.fields.String(allow_none=True, metadata={"description": "A failed verification's."})
    stamp_number = ma.fields.String(allow_none=True)
    revision = ma.fields.Integer(dump_only=True)
    original = ma.fields.Integer(attribute="original_id", dump_only=True, allow_none=True)
    valid_until = day(
        allow_none=True,
        metadata={"description": "Computed; a verifier may state an earlier date, never a later one."},
    )
    standards_used = StandardIds()
    verifier = VerifierCard()
    technician = ma.fields.String(allow_none=True)
    measurement_points = Points()
    outside_accredited_scope = ma.fields.Boolean(dump_only=True)
    override_reason = ma.fields.String(
        allow_none=True, metadata={"description": "Why an overdue or failed standard was used anyway."}
    )
    suspect = ma.fields.Boolean(dump_only=True)
    state = ma.fields.String(dump_only=True, metadata={"enum": [state.value for state in EventState]})
    state_reason = ma.fields.String(dump_only=True, allow_none=True)
    # Naming the item without its id, when recording.
    owner = ma.fields.String(load_only=True, metadata={"description": "The item's owner code."})
    type_code = ma.fields.String(load_only=True)
    serial_number = ma.fields.String(load_only=True)
    reason = ma.fields.String(
        load_only=True, metadata={"description": "Required when the Department records on a lab's behalf."}
    )


class AmendSchema(ChangeSchema):
    """The fields to change; the others keep the revision's values."""

    performed_on = day()
    result = ma.fields.String(validate=ma.validate.OneOf(RESULTS))
    certificate_number = ma.fields.String(allow_none=True)
    record_number = ma.fields.String(allow_none=True)
    stamp_number = ma.fields.String(allow_none=True)
    verifier = VerifierCard()
    technician = ma.fields.String(allow_none=True)
    valid_until = day(allow_none=True)
    standards_used = StandardIds()
    measurement_points = Points()
    override_reason = ma.fields.String(allow_none=True)


class EventListArgsSchema(ListArgsSchema):
    item = PlainInteger(
        validate=ma.validate.Range(min=1, max=MAX_KEY), metadata={"description": "Only this item's events."}
    )


def _item(data: dict[str, Any]) -> Item:
    user = api_user()
    naming = {name: data.get(name) for name in ("owner", "serial_number", "type_code") if name in data}
    if "item_id" in data:
        if naming:
            raise ServiceError({"item": _l("Give either item or owner and serial_number, not both.")})
        return item_access.get_visible_item(user, data["item_id"], Item)
    if not naming:
        raise ServiceError({"item": _l("Give item, or owner and serial_number.")})
    return services.find_item(
        user,
        owner=data.get("owner"),
        serial_number=data.get("serial_number"),
        type_code=data.get("type_code"),
    )


def _record(data: dict[str, Any]) -> Event:
    user = api_user()
    item = _item(data)
    return services.record_event(
        user,
        item,
        kind=data["kind"],
        performed_on=data["performed_on"],
        result=data["result"],
        today=local_today(),
        provider=data.get("provider"),
        certificate_number=data.get("certificate_number"),
        record_number=data.get("record_number"),
        stamp_number=data.get("stamp_number"),
        verifier_card=data.get("verifier"),
        technician=data.get("technician"),
        valid_until=data.get("valid_until"),
        standards_used=data.get("standards_used", []),
        measurement_points=data.get("measurement_points"),
        override_reason=data.get("override_reason"),
        reason=data.get("reason"),
    )


def _list(args: dict[str, Any]) -> dict[str, Any]:
    stmt = access.visible_events(api_user())
    if "item" in args:
        stmt = stmt.where(Event.item_id == args["item"])
    return paginate(stmt, Event.id, limit=args.get("limit"), cursor=args.get("cursor"))


register_collection(
    blp,
    "",
    "Events",
    schema=EventSchema,
    list_args=EventListArgsSchema,
    list_rows=_list,
    create=_record,
    may_create=lambda: access.require_record(api_user()),
    list_doc="Events the caller may see: the Department all; a lab those it recorded and those on its own "
    "items; an enterprise those on its own items. Amended and void revisions are included.",
    create_doc="Record a verification, calibration, test or check. The item's validity and status follow.",
)


@blp.route("/<int:event_id>")
class EventById(MethodView):
    @documents_errors(blp, 404)
    @blp.response(200, EventSchema)
    def get(self, event_id: int) -> Event:
        """One event (any revision); another organisation's answers 404."""
        return access.get_visible_event(api_user(), event_id)


def _amend_changes(data: dict[str, Any], event: Event) -> dict[str, Any]:
    changes = {name: value for name, value in data.items() if name not in {"reason", "version", "verifier"}}
    if "verifier" in data:
        changes["verifier_card"] = data["verifier"]
    if "standards_used" in data:
        changes["standards_used"] = data["standards_used"]
    return changes


@blp.route("/<int:event_id>/amend")
class EventAmend(MethodView):
    @documents_errors(blp, 403, 404, 409)
    @blp.arguments(AmendSchema)
    @blp.response(201, EventSchema)
    def post(self, data: dict[str, Any], event_id: int) -> Event:
        """A new revision of the event with the changes: same certificate number, next revision, referring
        to the original; the old revision is marked amended. ``reason`` is required."""
        event = access.get_visible_event(api_user(), event_id)
        access.require_change(api_user(), event)
        return services.amend_event(
            api_user(),
            event,
            _amend_changes(data, event),
            reason=data["reason"],
            version=data.get("version"),
            today=local_today(),
        )


@blp.route("/<int:event_id>/void")
class EventVoid(MethodView):
    @documents_errors(blp, 403, 404, 409)
    @blp.arguments(ChangeSchema)
    @blp.response(200, EventSchema)
    def post(self, data: dict[str, Any], event_id: int) -> Event:
        """Void the event: it stays, with its reason, and no longer counts for the item."""
        event = access.get_visible_event(api_user(), event_id)
        return services.void_event(api_user(), event, reason=data["reason"], version=data.get("version"))
