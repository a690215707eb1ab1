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
from registry.organisations.models import Organisation, OrgKind, OwnershipClass

blp = Blueprint("organisations_api", __name__, url_prefix="/organisations", description="Organisations")

KINDS = [kind.value for kind in OrgKind]
F = TypeVar("F", bound=Callable[..., Any])
CODE_HINT = _l("Use 1–40 letters, digits, dots, dashes or underscores, starting with a letter or digit.")


class Percent(ma.fields.Decimal):
    """A share of capital in per cent: a JSON number from 0 to 100 (text and booleans are refused),
    answered as a number. The service refuses more than two decimals."""

    def __init__(self, **kwargs: Any) -> None:
        message = _l("Enter a number from 0 to 100.")
        super().__init__(
            allow_nan=False,
            validate=ma.validate.Range(min=0, max=100),
            error_messages={"invalid": message, "special": message, "too_large": message},
            **kwargs,
        )

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)

    def _serialize(  # type: ignore[override]  # a JSON number, not text
        self, value: Any, attr: str | None, obj: Any, **kwargs: Any
    ) -> float | None:
        return None if value is None else float(value)


class StrictBoolean(ma.fields.Boolean):
    """true or false only (marshmallow would also take 1, "yes", "on"…)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ma.ValidationError(cast(str, _l("Use true or false.")))
        return value


class AdminUnitCode(ma.fields.String):
    """An administrative unit by its code (the catalogue's ``admin_units``)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else str(value.code)


class DetailsSchema(ma.Schema):
    """What both the organisation and its PATCH carry."""

    tax_code = ma.fields.String(
        allow_none=True,
        validate=ma.validate.Length(max=20),
        metadata={
            "description": 'Mã số thuế: 10 digits with a check digit, or 10 + "-" + 3 for a branch (stored '
            '"0100109106-001"); a household business may give a 12-digit personal ID; or null.'
        },
    )
    address = ma.fields.String(validate=ma.validate.Length(max=500))
    admin_unit = AdminUnitCode(
        allow_none=True,
        validate=ma.validate.Length(max=20),
        metadata={"description": "Code of the administrative unit (see the catalogue), or null."},
    )
    state_capital_pct = Percent(metadata={"description": "State capital, per cent (0–100, two decimals)."})
    foreign_capital_pct = Percent(
        metadata={"description": "Foreign capital, per cent; state + foreign may not exceed 100."}
    )
    public_unit = StrictBoolean(metadata={"description": "A public unit: a hospital, a school…"})
    sectors = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(max=80)), validate=ma.validate.Length(max=20)
    )


class OrganisationSchema(DetailsSchema):
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
    ownership_class = ma.fields.String(
        dump_only=True,
        validate=ma.validate.OneOf([cls.value for cls in OwnershipClass]),
        metadata={
            "description": "Derived: public_unit if flagged, else state_capital if any state capital, else "
            "fdi if any foreign capital, else private."
        },
    )
    version = ma.fields.Integer(dump_only=True)


class OrganisationPatchSchema(ChangeSchema, DetailsSchema):
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
        return services.create_organisation(**data)


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
        """Change an organisation: the Department any field; a provider or enterprise manager only its own
        organisation's ``address``, ``admin_unit`` and ``sectors``. ``reason`` is required; a stale
        ``version`` is a 409."""
        organisation = services.get_visible_organisation(api_user(), code)
        reason = data.pop("reason")
        version = data.pop("version", None)
        return services.update_organisation(
            organisation, actor=api_user(), reason=reason, version=version, **data
        )
