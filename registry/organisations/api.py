"""/api/v1/organisations: the same services as the organisation pages, with the same field errors."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from registry.api.auth import api_user
from registry.api.blueprint import Blueprint
from registry.api.fields import Boolean, CodeOf, Integer, List, Number, Schema, String, choice
from registry.api.pagination import ListArgsSchema, page_schema, paginate
from registry.api.schemas import ChangeSchema, checked_first, documents_errors
from registry.organisations import services
from registry.organisations.models import Organisation, OrgKind, OwnershipClass

blp = Blueprint("organisations_api", __name__, url_prefix="/organisations", description="Organisations")


class DetailsSchema(Schema):
    """What both the organisation and its PATCH carry."""

    tax_code = String(
        allow_none=True,
        metadata={
            "description": 'Mã số thuế: 10 digits with a check digit, or 10 + "-" + 3 for a branch (stored '
            '"0100109106-001"); a household business may give a 12-digit personal ID; or null.'
        },
    )
    address = String(metadata={"description": "At most 500 characters."})
    admin_unit = CodeOf(
        "admin_unit",
        allow_none=True,
        metadata={"description": "Code of the administrative unit (see the catalogue), or null."},
    )
    state_capital_pct = Number(metadata={"description": "State capital, per cent (0–100, two decimals)."})
    foreign_capital_pct = Number(
        metadata={"description": "Foreign capital, per cent; state + foreign may not exceed 100."}
    )
    public_unit = Boolean(metadata={"description": "A public unit: a hospital, a school…"})
    sectors = List(String(), metadata={"description": "At most 20 sectors of at most 80 characters."})


class OrganisationSchema(DetailsSchema):
    code = String(
        required=True,
        metadata={
            "description": "1–40 letters, digits, dots, dashes or underscores; unique; stored in upper case, "
            "and how the API refers to the organisation."
        },
    )
    name = String(required=True)
    kinds = List(choice(OrgKind), required=True, metadata={"description": "At least one."})
    ownership_class = choice(
        OwnershipClass,
        dump_only=True,
        metadata={
            "description": "Derived: public_unit if flagged, else state_capital if any state capital, else "
            "fdi if any foreign capital, else private."
        },
    )
    version = Integer(dump_only=True)


class OrganisationPatchSchema(ChangeSchema, DetailsSchema):
    name = String()
    kinds = List(choice(OrgKind))


@blp.route("")
class Organisations(MethodView):
    @documents_errors(blp)
    @blp.arguments(ListArgsSchema, location="query")
    @blp.response(200, page_schema(OrganisationSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Organisations the caller may see: all for the Department, otherwise its own."""
        return paginate(
            services.visible_organisations(api_user()),
            Organisation.id,
            limit=args.get("limit"),
            cursor=args.get("cursor"),
        )

    @documents_errors(blp, 403)
    @checked_first(lambda: services.check_may_register(api_user()))
    @blp.arguments(OrganisationSchema)
    @blp.response(201, OrganisationSchema)
    def post(self, data: dict[str, Any]) -> Organisation:
        """Register an organisation (the Department)."""
        return services.create_organisation(api_user(), **data)


@blp.route("/<code>")
class OrganisationByCode(MethodView):
    @documents_errors(blp, 404)
    @blp.response(200, OrganisationSchema)
    def get(self, code: str) -> Organisation:
        """One organisation; another organisation's answers 404 unless the caller is the Department."""
        return services.get_organisation(api_user(), code)

    @documents_errors(blp, 403, 404, 409)
    @blp.arguments(OrganisationPatchSchema)
    @blp.response(200, OrganisationSchema)
    def patch(self, data: dict[str, Any], code: str) -> Organisation:
        """Change an organisation: the Department any field; a provider or enterprise manager only its own
        organisation's ``address``, ``admin_unit`` and ``sectors``. ``reason`` is required; a stale
        ``version`` is a 409."""
        organisation = services.get_organisation(api_user(), code)
        reason = data.pop("reason", None)
        version = data.pop("version", None)
        return services.update_organisation(api_user(), organisation, data, reason=reason, version=version)
