"""/api/v1/instrument-types: the legal catalogue, read-only (the Department edits it on the web)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from registry.api.blueprint import Blueprint
from registry.api.fields import Boolean, Day, Integer, List, Method, Nested, Schema, String
from registry.api.pagination import ListArgsSchema, page_schema, paginate
from registry.api.schemas import documents_errors
from registry.catalogue import services
from registry.catalogue.models import CONTROLS, InstrumentType, LegalRule
from registry.core.dates import local_today

blp = Blueprint(
    "catalogue_api",
    __name__,
    url_prefix="/instrument-types",
    description="The legal catalogue: instrument types and their legal rules by period.",
)


class LegalRuleSchema(Schema):
    controls = Method(
        "get_controls",
        metadata={
            "type": "array",
            "items": {"type": "string", "enum": list(CONTROLS)},
            "description": "Required controls: PA type approval, IV initial, PV periodic, RV after-repair "
            "verification. Empty while not yet confirmed.",
        },
    )
    cycle_months = Integer(
        allow_none=True, metadata={"description": "Periodic verification cycle; null: none."}
    )
    legal_basis = String()
    effective_from = Day()
    effective_to = Day(allow_none=True, metadata={"description": "null: still in force."})
    confidence = String(
        metadata={"enum": ["source", "verify"], "description": "verify: the legal text is not yet confirmed."}
    )
    note = String()

    def get_controls(self, rule: LegalRule) -> list[str]:
        return [code for code in CONTROLS if code in rule.control_set]


class InstrumentTypeSchema(Schema):
    code = String()
    name_vi = String()
    name_en = String()
    quantity = String()
    group2 = Method(
        "get_group2",
        metadata={
            "type": "boolean",
            "description": "On the Group 2 list today: a legal rule is in force (Group 2 controls then "
            "apply to its instruments in legal use). Computed from the rules, never set.",
        },
    )
    needs_verification = Boolean(
        metadata={"description": "The type or one of its rules rests on a legal text not yet confirmed."}
    )
    rules = List(
        Nested(LegalRuleSchema),
        attribute="rules_by_period",
        metadata={"description": "Every period, oldest first."},
    )
    version = Integer()

    def get_group2(self, instrument_type: InstrumentType) -> bool:
        return instrument_type.group2_on(local_today())


class InstrumentTypeListArgsSchema(ListArgsSchema):
    q = String(
        metadata={
            "description": "Words of the code or the names, ignoring case and Vietnamese diacritics; at most "
            "200 characters."
        },
    )
    quantity = String(metadata={"description": "e.g. mass; at most 60 characters."})


@blp.route("")
class InstrumentTypes(MethodView):
    @documents_errors(blp)
    @blp.arguments(InstrumentTypeListArgsSchema, location="query")
    @blp.response(200, page_schema(InstrumentTypeSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The catalogue, every rule period of each type; any authenticated caller may read it."""
        return paginate(
            services.search_instrument_types(args.get("q"), args.get("quantity")),
            InstrumentType.id,
            limit=args.get("limit"),
            cursor=args.get("cursor"),
        )


@blp.route("/<code>")
class InstrumentTypeByCode(MethodView):
    @documents_errors(blp, 404)
    @blp.response(200, InstrumentTypeSchema)
    def get(self, code: str) -> InstrumentType:
        """One instrument type with its legal rules by period."""
        return services.find_instrument_type(code)
