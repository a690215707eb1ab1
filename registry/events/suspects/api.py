"""/api/v1/suspects (the suspect report) and /api/v1/events/<id>/assess (closing a suspect with the lab's
impact assessment). The schemas give the shape only; the services check every value."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_babel import lazy_gettext as _l

from registry.api.auth import api_user
from registry.api.blueprint import Blueprint
from registry.api.fields import (
    AwareDateTime,
    Boolean,
    Day,
    Integer,
    Nested,
    QueryBoolean,
    QueryInteger,
    Schema,
    String,
)
from registry.api.fields import choice as choice_of
from registry.api.pagination import ListArgsSchema, page_schema, paginate
from registry.api.schemas import documents_errors
from registry.auth.policy import Permission
from registry.core.errors import ServiceError
from registry.core.models import MAX_ID
from registry.events.revisions import get_event
from registry.events.suspects.models import Decision, ImpactAssessment, SuspectRule, Suspicion
from registry.events.suspects.services import assess_event, report_query, rows_for

blp = Blueprint(
    "suspects_api",
    __name__,
    description="Reverse traceability: events made with a standard found out of tolerance, failed or "
    "overdue, and the labs' impact assessments that close them.",
)


class AssessmentSchema(Schema):
    id = Integer(dump_only=True)
    event = Integer(attribute="event_id", dump_only=True, metadata={"description": "The first revision."})
    decision = choice_of(
        Decision,
        required=True,
        metadata={"description": "no_effect, recall (recall and re-verify) or customer_informed."},
    )
    reason = String(required=True, metadata={"description": "Why: kept with the assessment."})
    assessed_by = String(dump_only=True)
    assessed_at = AwareDateTime(dump_only=True)


class SuspectSchema(Schema):
    """One reason one event is suspect (or was, until an assessment closed it)."""

    id = Integer()
    event = Integer(metadata={"description": "The affected event (its current revision)."})
    performed_on = Day()
    item = Integer()
    owner = String(metadata={"description": "The item's owner code."})
    provider = String(metadata={"description": "The code of the lab that recorded the event."})
    standard = Integer(metadata={"description": "The standard found out of tolerance, failed or overdue."})
    standard_name = String()
    rule = choice_of(SuspectRule, metadata={"description": "out_of_tolerance, failed or overdue."})
    cause = Integer(
        metadata={"description": "The standard's bad result (its first revision); overdue: the event."}
    )
    window_from = Day(allow_none=True, metadata={"description": "The last good result (excluded)."})
    window_to = Day(allow_none=True, metadata={"description": "Included; null while the window is open."})
    depth = Integer(metadata={"description": "0: the event used the standard; n: n steps down the chain."})
    open = Boolean(metadata={"description": "Still open: no assessment closed it."})
    assessment = Nested(AssessmentSchema, allow_none=True)


class SuspectArgsSchema(ListArgsSchema):
    open = QueryBoolean(metadata={"description": "true: still open; false: closed by an assessment."})
    standard = QueryInteger(metadata={"description": "Only those stemming from this standard."})


def _row(row: Any) -> dict[str, Any]:
    suspicion, event = row.suspicion, row.event
    return {
        "id": suspicion.id,
        "event": event.id,
        "performed_on": event.performed_on,
        "item": event.item_id,
        "owner": event.item.owner.code,
        "provider": event.provider.code,
        "standard": suspicion.standard_id,
        # By its name only: the standard may be another lab's, whose serial number is not the caller's.
        "standard_name": suspicion.standard.name,
        "rule": suspicion.rule,
        "cause": suspicion.cause_id,
        "window_from": suspicion.window_from,
        "window_to": suspicion.window_to,
        "depth": suspicion.depth,
        "open": row.open,
        "assessment": row.assessment,
    }


@blp.route("/suspects")
class Suspects(MethodView):
    @documents_errors(blp)
    @blp.arguments(SuspectArgsSchema, location="query")
    @blp.response(200, page_schema(SuspectSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The suspect report: for each event the caller may see that is (or was) suspect, why — the
        standard, its bad result and that result's window, how far down the chain — with the item, its
        owner and the assessment that closed it. The Department sees all; a lab the events it recorded and
        those on its items; an enterprise those on its items."""
        standard = args.get("standard")
        if standard is not None and not 0 < standard <= MAX_ID:
            raise ServiceError({"standard": _l("No such item.")})
        stmt = report_query(api_user(), open_only=args.get("open"), standard=standard)
        page = paginate(stmt, Suspicion.id, limit=args.get("limit"), cursor=args.get("cursor"))
        page["items"] = [_row(row) for row in rows_for(api_user(), page["items"])]
        return page


@blp.route("/events/<int:event_id>/assess")
class EventAssess(MethodView):
    @documents_errors(blp, 403, 404)
    @blp.arguments(AssessmentSchema)
    @blp.response(201, AssessmentSchema)
    def post(self, data: dict[str, Any], event_id: int) -> ImpactAssessment:
        """Close a suspect event with the lab's impact assessment (ISO/IEC 17025 §7.10): ``decision``
        (no_effect, recall, customer_informed) and ``reason``, both required. The lab that recorded the
        event, or the Department's admin on its behalf; the flag clears, the record stays."""
        event = get_event(api_user(), event_id, Permission.ASSESS)
        return assess_event(api_user(), event, decision=data.get("decision"), reason=data.get("reason"))
