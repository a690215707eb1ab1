"""/api/v1/organisations"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from registry.api.auth import api_user
from registry.api.pagination import ListArgsSchema, page_schema, paginate
from registry.api.schemas import ChangeSchema
from registry.auth.models import DEPARTMENT_ROLES
from registry.core.errors import ForbiddenError
from registry.organisations import services
from registry.organisations.models import Organisation, OrgKind

blp = Blueprint("organisations_api", __name__, url_prefix="/organisations", description="Organisations")

KINDS = [kind.value for kind in OrgKind]


class OrganisationSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=255))
    kinds = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(KINDS)), required=True, validate=ma.validate.Length(min=1)
    )
    version = ma.fields.Integer(dump_only=True)


class OrganisationPatchSchema(ChangeSchema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=255))
    kinds = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(KINDS)), validate=ma.validate.Length(min=1)
    )


def _require_department() -> None:
    if not api_user().has_role(*DEPARTMENT_ROLES):
        raise ForbiddenError(message="Only the Department may register or change organisations.")


@blp.route("")
class Organisations(MethodView):
    @blp.arguments(ListArgsSchema, location="query")
    @blp.response(200, page_schema(OrganisationSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Organisations the caller may see."""
        return paginate(
            services.visible_organisations(api_user()),
            Organisation.id,
            limit=args["limit"],
            cursor=args["cursor"],
        )

    @blp.arguments(OrganisationSchema)
    @blp.response(201, OrganisationSchema)
    def post(self, data: dict[str, Any]) -> Organisation:
        """Register an organisation (the Department)."""
        _require_department()
        return services.create_organisation(code=data["code"], name=data["name"], kinds=data["kinds"])


@blp.route("/<code>")
class OrganisationByCode(MethodView):
    @blp.response(200, OrganisationSchema)
    def get(self, code: str) -> Organisation:
        return services.get_visible_organisation(api_user(), code)

    @blp.arguments(OrganisationPatchSchema)
    @blp.response(200, OrganisationSchema)
    def patch(self, data: dict[str, Any], code: str) -> Organisation:
        """Change an organisation; ``reason`` is required, a stale ``version`` answers 409."""
        organisation = services.get_visible_organisation(api_user(), code)
        _require_department()
        return services.update_organisation(
            organisation,
            reason=data.pop("reason"),
            version=data.pop("version", None),
            name=data.get("name"),
            kinds=data.get("kinds"),
        )
