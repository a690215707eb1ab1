"""/api/v1/registrations, /accreditations, /designations, /verifiers: providers' credentials.

A provider's manager enters its own organisation's credentials (they wait for the Department's
confirmation); the Department enters any provider's (confirmed at once). Everyone else reads only its own
organisation's. Each credential answers its ``state`` today (Asia/Ho_Chi_Minh) and its ``confirmation``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import marshmallow as ma
from flask_babel import lazy_gettext as _l

from registry.api.auth import api_user
from registry.api.blueprint import Blueprint
from registry.api.pagination import ListArgsSchema, paginate
from registry.api.schemas import register_collection
from registry.auth.models import DEPARTMENT_ROLES, Role
from registry.core.errors import ForbiddenError, NotFoundError, ServiceError
from registry.organisations.credentials import services
from registry.organisations.credentials.parsing import (
    MAX_SCOPE_ENTRIES,
    MAX_TYPE_CODES,
    SCHEMES,
    SERVICES,
    scope_from_type_codes,
)
from registry.organisations.credentials.state import (
    CredentialState,
    Suspension,
    credential_state,
    local_today,
    visible_credentials,
)
from registry.organisations.models import (
    Accreditation,
    ConfirmationState,
    Designation,
    Organisation,
    Registration,
    Verifier,
)
from registry.organisations.services import get_visible_organisation

blp = Blueprint("credentials_api", __name__, description="Provider credentials")

F = TypeVar("F", bound=Callable[..., Any])
STATES = [state.value for state in CredentialState]
CONFIRMATIONS = [state.value for state in ConfirmationState]


class OrganisationCode(ma.fields.String):
    """An organisation by its code."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else str(value.code)


class CredentialSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    organisation = OrganisationCode(
        validate=ma.validate.Length(min=1, max=40),
        metadata={"description": "The provider's code; leave out for your own organisation."},
    )
    state = ma.fields.Method(
        "get_state",
        dump_only=True,
        metadata={
            "type": "string",
            "enum": STATES,
            "description": "Today: valid, expiring (within 60 days), lapsed, not_yet_valid; suspended or "
            "withdrawn (accreditations); revoked (registrations).",
        },
    )
    confirmation = ma.fields.String(
        dump_only=True,
        validate=ma.validate.OneOf(CONFIRMATIONS),
        metadata={"description": "The Department's decision: pending, confirmed or rejected."},
    )
    confirmed_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    version = ma.fields.Integer(dump_only=True)

    def get_state(self, credential: Any) -> str:
        return credential_state(credential, local_today()).value


def _text(limit: int, *, required: bool = False, **kwargs: Any) -> ma.fields.String:
    return ma.fields.String(
        required=required, validate=ma.validate.Length(min=1 if required else 0, max=limit), **kwargs
    )


def _type_codes(**kwargs: Any) -> ma.fields.List:
    return ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=40)),
        validate=ma.validate.Length(min=1, max=MAX_TYPE_CODES),
        metadata={"description": "Instrument type codes of the catalogue (GET /instrument-types)."},
        **kwargs,
    )


class RegistrationSchema(CredentialSchema):
    certificate_number = _text(80, required=True)
    services = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(SERVICES)),
        required=True,
        validate=ma.validate.Length(min=1, max=len(SERVICES)),
    )
    # "fields" is taken by marshmallow's Schema itself, hence the attribute name.
    fields_text = _text(
        2000,
        data_key="fields",
        attribute="fields",
        metadata={"description": "The fields (lĩnh vực) registered."},
    )
    issued_on = ma.fields.Date(required=True)
    revoked_on = ma.fields.Date(
        dump_only=True, allow_none=True, metadata={"description": "Set by the Department."}
    )


class ScopeEntrySchema(ma.Schema):
    quantity = _text(80, required=True, metadata={"description": "e.g. mass"})
    range = _text(120, metadata={"description": "e.g. 1 mg – 50 kg"})
    cmc = _text(120, metadata={"description": "Calibration and measurement capability, e.g. 0.1 mg"})


class AccreditationSchema(CredentialSchema):
    scheme = ma.fields.String(required=True, validate=ma.validate.OneOf(SCHEMES))
    body = _text(120, metadata={"description": "The accreditation body, e.g. BoA."})
    number = _text(80, required=True, metadata={"description": "e.g. VILAS 216"})
    scope = ma.fields.List(
        ma.fields.Nested(ScopeEntrySchema), validate=ma.validate.Length(max=MAX_SCOPE_ENTRIES)
    )
    valid_from = ma.fields.Date(required=True)
    valid_to = ma.fields.Date(required=True)
    suspension = ma.fields.String(
        dump_only=True,
        allow_none=True,
        validate=ma.validate.OneOf([state.value for state in Suspension]),
        metadata={"description": "Set by the Department: null, suspended or withdrawn."},
    )


class DesignationScopeEntrySchema(ma.Schema):
    type_code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    range = _text(120, metadata={"description": "e.g. ≤ 200 L/min"})


class DesignationSchema(CredentialSchema):
    decision_number = _text(80, required=True)
    type_codes = _type_codes(required=True)
    scope = ma.fields.List(
        ma.fields.Nested(DesignationScopeEntrySchema),
        validate=ma.validate.Length(max=MAX_SCOPE_ENTRIES),
        metadata={
            "description": "Optional: a range for some of the types (a type named only here is added)."
        },
    )
    valid_from = ma.fields.Date(required=True)
    valid_to = ma.fields.Date(required=True)


class VerifierSchema(CredentialSchema):
    name = _text(200, required=True)
    card_number = _text(60, required=True)
    type_codes = _type_codes(required=True)
    valid_to = ma.fields.Date(required=True)


class CredentialListArgsSchema(ListArgsSchema):
    organisation = ma.fields.String(
        validate=ma.validate.Length(min=1, max=40), metadata={"description": "An organisation's code."}
    )
    confirmation = ma.fields.String(validate=ma.validate.OneOf(CONFIRMATIONS))


def _may_enter_credentials() -> None:
    if not api_user().has_role(*DEPARTMENT_ROLES, Role.PROVIDER_MANAGER):
        raise ForbiddenError(message=_l("Only a provider's manager or the Department may enter credentials."))


def _organisation(code: str | None) -> Organisation:
    """The provider named by ``code`` (one the caller may see), or the caller's own organisation."""
    user = api_user()
    if code is None:
        if user.has_role(*DEPARTMENT_ROLES) and not user.organisation.is_provider:
            raise ServiceError({"organisation": _l("This field is required.")})
        return user.organisation
    try:
        return get_visible_organisation(user, code)
    except NotFoundError:
        # Another organisation's code answers as one that does not exist.
        raise ServiceError({"organisation": _l("No such organisation.")}) from None


def _list(model: Any, args: dict[str, Any]) -> dict[str, Any]:
    stmt = visible_credentials(
        model, api_user(), organisation_code=args.get("organisation"), confirmation=args.get("confirmation")
    )
    return paginate(stmt, model.id, limit=args.get("limit"), cursor=args.get("cursor"))


def _create(model: Any, data: dict[str, Any]) -> Any:
    organisation = _organisation(data.pop("organisation", None))
    return services.create_credential(model, organisation, actor=api_user(), **data)


def _create_designation(data: dict[str, Any]) -> Designation:
    data["scope"] = scope_from_type_codes(data.pop("type_codes"), data.get("scope"))
    designation: Designation = _create(Designation, data)
    return designation


ENTER = "a provider's manager for its own organisation, or the Department."
for _path, _name, _model, _schema, _list_doc, _create_doc, _creator in (
    ("/registrations", "Registrations", Registration, RegistrationSchema, "Registrations (Decree 105/2016).",
     f"Enter a registration: {ENTER}", None),
    ("/accreditations", "Accreditations", Accreditation, AccreditationSchema,
     "Accreditations and certifications (ISO/IEC 17025…).", f"Enter an accreditation: {ENTER}", None),
    ("/designations", "Designations", Designation, DesignationSchema,
     "Designations (chỉ định) for Group 2 verification.",
     f"Enter a designation (``type_codes``, and optionally ``scope`` entries giving their ranges): {ENTER}",
     _create_designation),
    ("/verifiers", "Verifiers", Verifier, VerifierSchema, "Verifiers (kiểm định viên) and their cards.",
     f"Enter a verifier: {ENTER}", None),
):  # fmt: skip
    register_collection(
        blp,
        _path,
        _name,
        schema=_schema,
        list_args=CredentialListArgsSchema,
        list_rows=functools.partial(_list, _model),
        create=_creator or functools.partial(_create, _model),
        may_create=_may_enter_credentials,
        list_doc=_list_doc,
        create_doc=_create_doc,
    )
