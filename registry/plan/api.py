"""/api/v1/activities and /api/v1/indicators: the same services as the plan's pages, with the same field
errors."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from registry.api.auth import api_user
from registry.api.blueprint import Blueprint
from registry.api.fields import (
    Day,
    Dict,
    Integer,
    List,
    Nested,
    QueryInteger,
    Raw,
    RawList,
    Schema,
    String,
    choice,
)
from registry.api.pagination import ListArgsSchema, paginate
from registry.api.schemas import ChangeSchema, documents_errors, register_collection
from registry.auth.policy import Permission
from registry.plan import activities, services
from registry.plan.models import Activity, ActivityKind, ActivityState

blp = Blueprint("plan_api", __name__, url_prefix="/activities", description="The plan's activities")
indicators_blp = Blueprint("indicators_api", __name__, url_prefix="/indicators", description="Indicators")


class ParticipantSchema(Schema):
    name = String(required=True)
    organisation = String()
    role = String()


class ActivityFields(Schema):
    kind = choice(ActivityKind)
    held_on = Day()
    title = String(metadata={"description": "At most 300 characters."})
    notes = String()
    outlet = String(metadata={"description": "An article's newspaper, site or channel."})
    link = String(metadata={"description": "http:// or https:// address."})
    organisations = List(String(), metadata={"description": "Codes of the organisations involved."})
    participants = RawList(
        metadata={"description": "[{name, organisation, role}]: personal data, shown to the Department only."}
    )


class ActivitySchema(ActivityFields):
    id = Integer(dump_only=True)
    kind = choice(ActivityKind, required=True)
    held_on = Day(required=True, metadata={"description": "Not in the future."})
    title = String(required=True)
    state = choice(ActivityState, dump_only=True)
    state_reason = String(dump_only=True, allow_none=True)
    version = Integer(dump_only=True)

    @ma.post_dump(pass_original=True)
    def _codes(self, data: dict[str, Any], activity: Activity, **kwargs: Any) -> dict[str, Any]:
        data["organisations"] = [organisation.code for organisation in activity.organisations]
        data["participants"] = [
            {"name": person.name, "organisation": person.organisation, "role": person.role}
            for person in activity.participants
        ]
        return data


class ActivityPatchSchema(ChangeSchema, ActivityFields):
    pass


class ActivityListArgsSchema(ListArgsSchema):
    kind = choice(ActivityKind)
    year = QueryInteger()


def _list(args: dict[str, Any]) -> dict[str, Any]:
    stmt = activities.visible_activities(api_user(), kind=args.get("kind"), year=args.get("year"))
    return paginate(stmt, Activity.id, limit=args.get("limit"), cursor=args.get("cursor"))


register_collection(
    blp,
    "",
    "Activities",
    schema=ActivitySchema,
    list_args=ActivityListArgsSchema,
    list_rows=_list,
    create=lambda data: activities.create_activity(api_user(), **data),
    may_create=lambda: activities.check_may_record(api_user()),
    list_doc="The plan's activities (the Department's), void ones included.",
    create_doc="Record an activity; the indicators that count its kind follow.",
)


@blp.route("/<int:activity_id>")
class ActivityById(MethodView):
    @documents_errors(blp, 403, 404, 409)
    @blp.arguments(ActivityPatchSchema)
    @blp.response(200, ActivitySchema)
    def patch(self, data: dict[str, Any], activity_id: int) -> Activity:
        """Change an activity; ``reason`` is required, a stale ``version`` is a 409."""
        activity = activities.get_activity(api_user(), activity_id, Permission.CHANGE)
        reason, version = data.pop("reason", None), data.pop("version", None)
        return activities.update_activity(api_user(), activity, data, reason=reason, version=version)


@blp.route("/<int:activity_id>/void")
class ActivityVoid(MethodView):
    @documents_errors(blp, 403, 404, 409)
    @blp.arguments(ChangeSchema)
    @blp.response(200, ActivitySchema)
    def post(self, data: dict[str, Any], activity_id: int) -> Activity:
        """Void the activity: it stays, with its reason, and counts nowhere."""
        activity = activities.get_activity(api_user(), activity_id, Permission.CHANGE)
        return activities.void_activity(api_user(), activity, reason=data.get("reason"))


class IndicatorArgsSchema(Schema):
    plan = String(metadata={"description": "The plan's code (default kontum-2021)."})
    as_of = Day(metadata={"description": "The day the tallies are counted on (default today)."})


class IndicatorRowSchema(Schema):
    code = String()
    title = String()
    unit = String()
    phase = String(metadata={"description": "The period label of the plan's file: by-2025, 2021-2025…"})
    target = Integer(allow_none=True)
    actual = Integer()
    percent = Raw(
        allow_none=True,
        metadata={"description": "actual / target, per cent, one decimal; null without a target."},
    )
    breakdown = Dict(metadata={"description": "{ownership_class: {…}, admin_unit: {…}, year: {…}}"})


class IndicatorsSchema(Schema):
    plan = String()
    as_of = String()
    indicators = List(Nested(IndicatorRowSchema))


@indicators_blp.route("")
class Indicators(MethodView):
    @documents_errors(indicators_blp, 404)
    @indicators_blp.arguments(IndicatorArgsSchema, location="query")
    @indicators_blp.response(200, IndicatorsSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The plan's indicators counted on ``as_of``: one row per indicator and period (the Department's)."""
        return services.indicators_json(api_user(), args.get("plan"), args.get("as_of"))
