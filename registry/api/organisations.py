"""/api/v1/organisations"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

import marshmallow as ma
from flask.views import MethodView
from flask_babel import lazy_gettext as _l

from registry.api.auth import api_user
from registry.api.blueprint import Blueprint
from registry.api.pagination import ListArgsSchema, page_schema, paginate
from registry.api.schemas import ChangeSchema, documents_errors
from registry.auth.models import DEPARTMENT_ROLES
from registry.core.errors import ForbiddenError
from registry.core.validation import CODE_PATTERN
from registry.organisations import services
from registry.organisations.models import Organisation, OrgKind

blp = Blueprint("organisations_api", __name__, url_prefix="/organisations", description="Organisations")

KINDS = [kind.value for kind in OrgKind]
F = TypeVar("F", bound=Callable[..., Any])
CODE_HINT = _l("Use 1–40 letters, digits, dots, dashes or underscores, starting with a letter or digit.")


class OrganisationSchema(ma.Schema):
    code = ma.fields.String(
        required=True,
        validate=[
            ma.validate.Length(min=1, max=40),
            # Lazy: marshmallow formats it during the request, in the caller's language.
            ma.validate.Regexp(CODE_PATTERN, error=cast(str, CODE_HINT)),
        ],
        metadata={"description": "Unique; stored in upper case, and how the API refers to the organisation."},
    )
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
        raise ForbiddenError(message=_l("Only the Department may register or change organisations."))


def department_only(func: F) -> F:
    """Refuse other callers before their request body is even read: 403 rather than a 422."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _require_department()
        return func(*args, **kwargs)

    return cast(F, wrapper)


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
    @department_only
    @blp.arguments(OrganisationSchema)
    @blp.response(201, OrganisationSchema)
    def post(self, data: dict[str, Any]) -> Organisation:
        """Register an organisation (the Department)."""
        return services.create_organisation(code=data["code"], name=data["name"], kinds=data["kinds"])


@blp.route("/<code>")
class OrganisationByCode(MethodView):
    @documents_errors(blp, 404)
    @blp.response(200, OrganisationSchema)
    def get(self, code: str) -> Organisation:
        """One organisation; another organisation's answers 404 unless the caller is the Department."""
        return services.get_visible_organisation(api_user(), code)

    @documents_errors(blp, 403, 404, 409)
    @blp.arguments(OrganisationPatchSchema)
    @blp.response(200, OrganisationSchema)
    def patch(self, data: dict[str, Any], code: str) -> Organisation:
        """Change an organisation (the Department): ``reason`` is required; a stale ``version`` is a 409."""
        organisation = services.get_visible_organisation(api_user(), code)
        _require_department()
        return services.update_organisation(
            organisation,
            reason=data["reason"],
            version=data.get("version"),
            name=data.get("name"),
            kinds=data.get("kinds"),
        )
