"""/api/v1/events: verifications, calibrations, tests and checks (DESIGN §2 "Event", §5).

An event names its item by ``item`` (an id the caller can see) or, for an instrument a lab has not
served yet, by ``owner`` + ``serial_number`` (+ ``type_code`` when the owner has several with that
serial number). Events are never edited nor deleted: ``amend`` answers 201 with the new revision,
``void`` answers the voided event. The schemas give the shape only; the services, shared with the
forms, check every value.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_babel import lazy_gettext as _l

from registry.api.auth import api_user
from registry.api.blueprint import Blueprint
from registry.api.fields import (
    AwareDateTime,
    Boolean,
    CodeOf,
    Day,
    Dict,
    Integer,
    List,
    Nested,
    Number,
    QueryBoolean,
    QueryInteger,
    RawList,
    Schema,
    String,
    choice,
)
from registry.api.pagination import ListArgsSchema, paginate
from registry.api.schemas import ChangeSchema, documents_errors, register_collection
from registry.auth.login import client_address
from registry.auth.policy import Permission
from registry.core.errors import ServiceError
from registry.core.models import MAX_ID
from registry.events.chain_schemas import ChainField
from registry.events.decision import DecisionRule
from registry.events.models import Event, EventKind, EventState, SignatureMeaning
from registry.events.recording import check_may_record, events_visible, record_event
from registry.events.revisions import amend_event, get_event, void_event
from registry.events.signatures import sign_event
from registry.items.models import Result

blp = Blueprint(
    "events_api",
    __name__,
    url_prefix="/events",
    description="Verifications, calibrations, tests and checks, with the validity they give.",
)


class Points(RawList):
    """Measurement points as given: the service checks each and names the wrong one, rows counted from 1
    (``measurement_points.1.nominal``), as the form shows them."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            metadata={
                "description": "[{nominal, as_found, as_left, error, mpe, uncertainty, unit}, …], rows "
                "counted from 1 in errors; numbers as JSON numbers or decimal text (0.05 or 0,05), finite, "
                "without an exponent and with at most 15 digits before the decimal point.",
            },
            **kwargs,
        )


class VerifierCard(String):
    """The verifier, by card number: ``verifier`` in the API, ``verifier_card`` for the services."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            data_key="verifier",
            allow_none=True,
            metadata={"description": "The verifier's card number (a Group 2 verification needs one)."},
            **kwargs,
        )

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = ma.missing) -> Any:
        return obj.verifier.card_number if obj.verifier else None


class StandardIds(List):
    """The standards and reference materials used, by id."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            Integer(),
            metadata={"description": "Ids of the lab's own standards and reference materials."},
            **kwargs,
        )

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = ma.missing) -> Any:
        return sorted(item.id for item in obj.standards_used)


class ItemId(Integer):
    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = ma.missing) -> Any:
        return obj.item_id


class OutcomeSchema(Schema):
    """What was found and the document issued: recorded, and changed by an amendment."""

    performed_on = Day(metadata={"description": "Not in the future."})
    result = choice(Result, metadata={"description": "pass or fail; a calibration may be not_stated."})
    certificate_number = String(allow_none=True)
    record_number = String(allow_none=True, metadata={"description": "A failed verification's."})
    stamp_number = String(allow_none=True)
    verifier_card = VerifierCard()
    technician = String(allow_none=True)
    valid_until = Day(
        allow_none=True,
        metadata={
            "description": "Computed; a verifier may state an earlier date (the date printed on the "
            "certificate, often a day less), never a later one. null: no validity (a fail, a test, a check, "
            "a calibration of a Group 2 instrument in legal use) or, after a passed initial verification "
            "of a type without periodic verification, valid for the instrument's life."
        },
    )
    standards_used = StandardIds()
    measurement_points = Points()
    override_reason = String(
        allow_none=True, metadata={"description": "Why an overdue or failed standard was used anyway."}
    )
    decision_rule = choice(
        DecisionRule,
        allow_none=True,
        metadata={
            "description": "How the measurement points are judged (ILAC-G8:2019): simple_acceptance "
            "(|error| ≤ mpe; the default when points are given) or guarded_acceptance (|error| + "
            "uncertainty ≤ mpe, guard band U). A point's error is error, else as_left − nominal, else "
            "as_found − nominal. null: no points."
        },
    )
    result_reason = String(
        allow_none=True,
        metadata={
            "description": "Required when the stated result (pass or fail) is not what the points give "
            "by the decision rule."
        },
    )
    as_found_out_of_tolerance = Boolean(
        allow_none=True,
        metadata={
            "description": "The item was out of tolerance as found (before adjustment), even if it passes as "
            "left; also true when a measurement point shows |as_found − nominal| > mpe. For a standard, "
            "the events that used it since its last good result become suspect."
        },
    )


class SignatureSchema(Schema):
    meaning = choice(
        SignatureMeaning, metadata={"description": "performed (by) or reviewed (and approved by)."}
    )
    name = String(attribute="signer_name")
    signed_at = AwareDateTime()


class EventSchema(OutcomeSchema):
    id = Integer(dump_only=True)
    item = ItemId(
        metadata={"description": "The item's id; or leave it out and give owner and serial_number."}
    )
    provider = CodeOf(
        "provider",
        metadata={
            "description": "The lab's code: your own if left out (the Department's admin names the lab)."
        },
    )
    kind = choice(EventKind, required=True)
    performed_on = Day(required=True, metadata={"description": "Not in the future."})
    result = choice(
        Result, required=True, metadata={"description": "pass or fail; a calibration may be not_stated."}
    )
    revision = Integer(dump_only=True)
    original = Integer(attribute="original_id", dump_only=True, allow_none=True)
    outside_accredited_scope = Boolean(dump_only=True)
    below_cmc = Dict(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "A calibration point whose stated uncertainty is smaller than the CMC of the "
            "lab's accredited scope for that quantity and range (ILAC P14): {accreditation, quantity, "
            "range, cmc, point (counted from 1), nominal, uncertainty, unit}; the result is not covered by "
            "the accreditation. null: none."
        },
    )
    suspect = Boolean(dump_only=True)
    state = choice(EventState, dump_only=True)
    state_reason = String(dump_only=True, allow_none=True)
    tur = Number(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "Test uncertainty ratio: mpe / uncertainty at the worst measurement point, to "
            "two decimals rounded down; null when no point gives both."
        },
    )
    computed_valid_until = Day(
        dump_only=True,
        allow_none=True,
        metadata={"description": "The latest day the rule allows: valid_until when the lab printed none."},
    )
    signatures = List(Nested(SignatureSchema), dump_only=True)
    # Naming the item without its id, when recording.
    owner = String(load_only=True, metadata={"description": "The item's owner code."})
    type_code = String(load_only=True)
    serial_number = String(load_only=True)
    reason = String(
        load_only=True, metadata={"description": "Required when the Department records on a lab's behalf."}
    )


class EventDetailSchema(EventSchema):
    """One event, with its traceability chain."""

    chain = ChainField()


class SignSchema(Schema):
    meaning = choice(SignatureMeaning, required=True)
    password = String(required=True, metadata={"description": "The signer's password, entered again."})
    code = String(
        metadata={
            "description": "The code of the signer's authenticator app (or a recovery code): required when "
            "the signer has two-factor sign-in on."
        }
    )


class AmendSchema(ChangeSchema, OutcomeSchema):
    """The fields to change; the others keep the revision's values."""


class EventListArgsSchema(ListArgsSchema):
    item = QueryInteger(metadata={"description": "Only this item's events."})
    suspect = QueryBoolean(metadata={"description": "true: only suspect events; false: only the others."})


def _list(args: dict[str, Any]) -> dict[str, Any]:
    stmt = events_visible(api_user())
    if "item" in args:
        if not 0 < args["item"] <= MAX_ID:
            raise ServiceError({"item": _l("No such item.")})
        stmt = stmt.where(Event.item_id == args["item"])
    if "suspect" in args:
        stmt = stmt.where(Event.suspect.is_(args["suspect"]))
    return paginate(stmt, Event.id, limit=args.get("limit"), cursor=args.get("cursor"))


register_collection(
    blp,
    "",
    "Events",
    schema=EventSchema,
    list_args=EventListArgsSchema,
    list_rows=_list,
    create=lambda data: record_event(api_user(), data),
    may_create=lambda: check_may_record(api_user()),
    list_doc="Events the caller may see: the Department all; a lab those it recorded and those on its own "
    "items; an enterprise those on its own items. Amended and void revisions are included.",
    create_doc="Record a verification, calibration, test or check. The item's validity and status follow.",
    idempotent_create=True,
)


@blp.route("/<int:event_id>")
class EventById(MethodView):
    @documents_errors(blp, 404)
    @blp.response(200, EventDetailSchema)
    def get(self, event_id: int) -> Event:
        """One event (any revision), with its traceability chain; another organisation's answers 404."""
        return get_event(api_user(), event_id)


@blp.route("/<int:event_id>/amend")
class EventAmend(MethodView):
    @documents_errors(blp, 403, 404, 409)
    @blp.arguments(AmendSchema)
    @blp.response(201, EventSchema)
    def post(self, data: dict[str, Any], event_id: int) -> Event:
        """A new revision of the event with the changes: same certificate number, next revision, referring
        to the original; the old revision is marked amended. ``reason`` is required."""
        event = get_event(api_user(), event_id, Permission.CHANGE)
        reason, version = data.pop("reason", None), data.pop("version", None)
        return amend_event(api_user(), event, data, reason=reason, version=version)


@blp.route("/<int:event_id>/sign")
class EventSign(MethodView):
    @documents_errors(blp, 403, 404)
    @blp.arguments(SignSchema)
    @blp.response(201, EventSchema)
    def post(self, data: dict[str, Any], event_id: int) -> Event:
        """Sign the current revision: first as who performed it, then, by someone else of the same
        organisation, as who reviewed it. The signer enters the password again, and the code of the
        authenticator app when two-factor sign-in is on."""
        event = get_event(api_user(), event_id, Permission.SIGN)
        sign_event(
            api_user(),
            event,
            meaning=data.get("meaning"),
            password=data.get("password"),
            code=data.get("code"),
            address=client_address(),
        )
        return event


@blp.route("/<int:event_id>/void")
class EventVoid(MethodView):
    @documents_errors(blp, 403, 404, 409)
    @blp.arguments(ChangeSchema)
    @blp.response(200, EventSchema)
    def post(self, data: dict[str, Any], event_id: int) -> Event:
        """Void the event: it stays, with its reason, and no longer counts for the item."""
        event = get_event(api_user(), event_id, Permission.CHANGE)
        return void_event(api_user(), event, reason=data.get("reason"), version=data.get("version"))
