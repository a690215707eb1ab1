"""/api/v1/registrations, /accreditations, /designations, /verifiers: providers' credentials.

A provider's manager enters its own organisation's credentials (they wait for the Department's
confirmation); the Department enters any provider's (confirmed at once). Everyone else reads only its own
organisation's. Each credential answers its ``state`` today (Asia/Ho_Chi_Minh) and its ``confirmation``.
"""

from __future__ import annotations

import functools
from typing import Any

from registry.api.auth import api_user
from registry.api.blueprint import Blueprint
from registry.api.fields import (
    AwareDateTime,
    CodeOf,
    Day,
    Integer,
    List,
    Method,
    RawList,
    Schema,
    String,
    choice,
)
from registry.api.pagination import ListArgsSchema, paginate
from registry.api.schemas import register_collection
from registry.core.dates import local_today
from registry.organisations.credentials import services
from registry.organisations.credentials.parsing import SCHEMES, SERVICES
from registry.organisations.credentials.state import (
    CredentialState,
    Suspension,
    credential_state,
    visible_credentials,
)
from registry.organisations.models import (
    Accreditation,
    ConfirmationState,
    Designation,
    Registration,
    Verifier,
)

blp = Blueprint("credentials_api", __name__, description="Provider credentials")


class CredentialSchema(Schema):
    id = Integer(dump_only=True)
    organisation = CodeOf(
        "organisation", metadata={"description": "The provider's code; leave out for your own organisation."}
    )
    state = Method(
        "get_state",
        dump_only=True,
        metadata={
            "type": "string",
            "enum": [state.value for state in CredentialState],
            "description": "Today: valid, expiring (within 60 days), lapsed, not_yet_valid; suspended or "
            "withdrawn (accreditations); revoked (registrations).",
        },
    )
    confirmation = choice(
        ConfirmationState,
        dump_only=True,
        metadata={"description": "The Department's decision: pending, confirmed or rejected."},
    )
    confirmed_at = AwareDateTime(dump_only=True, allow_none=True)
    version = Integer(dump_only=True)

    def get_state(self, credential: Any) -> str:
        return credential_state(credential, local_today()).value


def _type_codes(**kwargs: Any) -> List:
    return List(
        String(),
        metadata={"description": "Instrument type codes of the catalogue (GET /instrument-types)."},
        **kwargs,
    )


class RegistrationSchema(CredentialSchema):
    certificate_number = String(required=True)
    services = List(choice(SERVICES), required=True, metadata={"description": "At least one."})
    # "fields" is taken by marshmallow's Schema itself, hence the attribute name.
    fields_text = String(
        data_key="fields", attribute="fields", metadata={"description": "The fields (lĩnh vực) registered."}
    )
    issued_on = Day(required=True)
    revoked_on = Day(dump_only=True, allow_none=True, metadata={"description": "Set by the Department."})


class AccreditationSchema(CredentialSchema):
    scheme = choice(SCHEMES, required=True)
    body = String(metadata={"description": "The accreditation body, e.g. BoA."})
    number = String(required=True, metadata={"description": "e.g. VILAS 216"})
    scope = RawList(
        metadata={
            "description": '[{quantity, range, cmc}, …], e.g. {"quantity": "mass", "range": "1 mg – 50 kg", '
            '"cmc": "0.1 mg"}; a quantity is required in each.'
        },
    )
    valid_from = Day(required=True)
    valid_to = Day(required=True)
    suspension = choice(
        Suspension,
        dump_only=True,
        allow_none=True,
        metadata={"description": "Set by the Department: null, suspended or withdrawn."},
    )


class DesignationSchema(CredentialSchema):
    decision_number = String(required=True)
    type_codes = _type_codes(required=True)
    scope = RawList(
        metadata={
            "description": "Optional: [{type_code, range}, …], a range for some of the types (a type named "
            'only here is added), e.g. {"type_code": "FUEL_DISPENSER", "range": "≤ 200 L/min"}.'
        },
    )
    valid_from = Day(required=True)
    valid_to = Day(required=True)


class VerifierSchema(CredentialSchema):
    name = String(required=True)
    card_number = String(required=True)
    type_codes = _type_codes(required=True)
    valid_from = Day(
        required=True,
        allow_none=True,
        metadata={
            "description": "The day the card was issued: an event before it cannot cite the card. null only "
            "on cards entered before it was asked; required when entering or amending one."
        },
    )
    valid_to = Day(required=True)


class CredentialListArgsSchema(ListArgsSchema):
    organisation = String(metadata={"description": "An organisation's code."})
    confirmation = choice(ConfirmationState)


def _list(model: Any, args: dict[str, Any]) -> dict[str, Any]:
    stmt = visible_credentials(
        model, api_user(), organisation_code=args.get("organisation"), confirmation=args.get("confirmation")
    )
    return paginate(stmt, model.id, limit=args.get("limit"), cursor=args.get("cursor"))


def _may_enter(model: Any) -> None:
    services.check_may_enter(api_user(), model)


def _create(model: Any, data: dict[str, Any]) -> Any:
    organisation = data.pop("organisation", None)
    return services.create_credential(api_user(), model, organisation, data)


ENTER = "a provider's manager for its own organisation, or the Department."
for _path, _name, _model, _schema, _list_doc, _create_doc in (
    ("/registrations", "Registrations", Registration, RegistrationSchema, "Registrations (Decree 105/2016).",
     f"Enter a registration: {ENTER}"),
    ("/accreditations", "Accreditations", Accreditation, AccreditationSchema,
     "Accreditations and certifications (ISO/IEC 17025…).", f"Enter an accreditation: {ENTER}"),
    ("/designations", "Designations", Designation, DesignationSchema,
     "Designations (chỉ định) for Group 2 verification.",
     f"Enter a designation (``type_codes``, and optionally ``scope`` entries giving their ranges): {ENTER}"),
    ("/verifiers", "Verifiers", Verifier, VerifierSchema, "Verifiers (kiểm định viên) and their cards.",
     f"Enter a verifier: {ENTER}"),
):  # fmt: skip
    register_collection(
        blp,
        _path,
        _name,
        schema=_schema,
        list_args=CredentialListArgsSchema,
        list_rows=functools.partial(_list, _model),
        create=functools.partial(_create, _model),
        may_create=functools.partial(_may_enter, _model),
        list_doc=_list_doc,
        create_doc=_create_doc,
    )
