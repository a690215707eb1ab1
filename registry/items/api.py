"""/api/v1/instruments, /standards and /reference-materials (DESIGN §5).

Organisations, instrument types and administrative units are referred to by code. ``status`` is the
item's status today (Asia/Ho_Chi_Minh), computed by the same rule as every list and count. The schemas
give the shape only: the services check every value, as they do for the forms.
"""

from __future__ import annotations

import functools
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from sqlalchemy import select

from registry.api.auth import api_user
from registry.api.blueprint import Blueprint
from registry.api.fields import Boolean, CodeOf, Day, Integer, List, Nested, Schema, String, choice
from registry.api.pagination import ListArgsSchema, paginate
from registry.api.schemas import ChangeSchema, checked_first, documents_errors, register_collection
from registry.core.dates import local_today
from registry.items import services
from registry.items.models import Funding, Instrument, Item, ItemKind, ItemState, Purpose, StandardLevel, Use
from registry.items.search import ItemFilters, filter_conditions
from registry.items.status import Status, status_of

instruments_blp = Blueprint(
    "instruments_api",
    __name__,
    url_prefix="/instruments",
    description="Measuring instruments: an owner's, by type and serial number, with their status.",
)
standards_blp = Blueprint(
    "standards_api",
    __name__,
    url_prefix="/standards",
    description="Measurement standards: level, quantity, range, uncertainty and calibration interval.",
)
reference_materials_blp = Blueprint(
    "reference_materials_api",
    __name__,
    url_prefix="/reference-materials",
    description="Reference materials: valid until their expiry date.",
)


class Reads(String):
    """A text field answered from model attribute ``source`` but loaded under its own name."""

    def __init__(self, source: str, **kwargs: Any) -> None:
        self.source = source
        super().__init__(**kwargs)

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = ma.missing) -> Any:
        return getattr(obj, self.source)


class StatusField(String):
    def __init__(self) -> None:
        super().__init__(
            dump_only=True,
            metadata={
                "enum": [status.value for status in Status],
                "description": "Today: retired, out_of_service, never (no valid result), failed, "
                "awaiting_reverification (repaired or its seal broken, awaiting its verification after "
                "repair), overdue (a reference material: expired, to be replaced), due_soon (within "
                "DUE_SOON_DAYS, 30 by default), valid (with no valid_until: an initial-verification-only "
                "type, valid for the instrument's life, or a reference material with no expiry date).",
            },
        )

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = ma.missing) -> Any:
        return status_of(obj, local_today()).value


# --- Schemas ---------------------------------------------------------------------------------------------


class ItemSchema(Schema):
    """What every item answers and accepts."""

    id = Integer(dump_only=True)
    owner = CodeOf(
        "owner",
        metadata={"description": "Organisation code. When registering: your own organisation if left out."},
    )
    funding = choice(Funding)
    purpose = choice(Purpose)
    acquired_on = Day(allow_none=True, metadata={"description": "Not in the future."})
    status = StatusField()
    valid_until = Day(dump_only=True, allow_none=True)
    version = Integer(dump_only=True)


class InstrumentSchema(ItemSchema):
    type_code = CodeOf("instrument_type", required=True, metadata={"description": "GET /instrument-types"})
    serial_number = String(
        required=True, metadata={"description": "Unique per owner and type; at most 80 characters."}
    )
    manufacturer = String()
    model = String()
    measuring_range = String()
    accuracy_class = String()
    site_address = String(metadata={"description": "The owner's address if left out."})
    site_admin_unit = CodeOf(
        "site_admin_unit",
        allow_none=True,
        metadata={"description": "Administrative unit code; the owner's if left out."},
    )
    use = choice(
        Use,
        metadata={"description": "legal (default): Group 2 controls apply; internal: calibrated (Group 1)."},
    )
    interval_months = Integer(
        allow_none=True,
        metadata={
            "description": "1 to 240. Required for internal use; for legal use it may only shorten the legal "
            "cycle."
        },
    )
    state = choice(ItemState)


class InstrumentPatchSchema(ChangeSchema):
    """Any field of an instrument; ``owner`` transfers it (the Department), the site fields relocate it."""

    owner = String()
    type_code = String()
    serial_number = String()
    manufacturer = String()
    model = String()
    measuring_range = String()
    accuracy_class = String()
    site_address = String()
    site_admin_unit = String(allow_none=True)
    use = choice(Use)
    interval_months = Integer(allow_none=True)
    state = choice(ItemState)
    funding = choice(Funding)
    purpose = choice(Purpose)
    acquired_on = Day(allow_none=True)


class StandardSchema(ItemSchema):
    name = String(required=True)
    level = choice(StandardLevel, required=True)
    quantity = String(required=True, metadata={"description": "e.g. mass, volume, temperature"})
    serial_number = String(metadata={"description": "Unique per owner among its standards."})
    range = Reads("measuring_range")
    uncertainty = String()
    interval_months = Integer(required=True, metadata={"description": "Calibration interval, 1 to 240."})
    traceable_to = String(
        metadata={"description": "At the top of a chain: the external body that calibrates it."}
    )


class ReferenceMaterialSchema(ItemSchema):
    name = String(required=True)
    producer = String()
    producer_iso17034 = Boolean(metadata={"description": "The producer is accredited to ISO 17034."})
    lot = String(metadata={"description": "Unique per owner and name."})
    certified_value = String()
    uncertainty = String()
    unit = String()
    certificate_number = String()
    expiry_date = Day(required=True, metadata={"description": "Its validity: valid_until is this date."})


class ItemListArgsSchema(ListArgsSchema):
    owner = String(metadata={"description": "Organisation code."})
    status = choice(Status)
    due_before = Day(metadata={"description": "Valid until a day before this one."})
    q = String(
        metadata={
            "description": "Words of the serial number, manufacturer, model, name or owner name, ignoring "
            "case and Vietnamese diacritics (đ matches d); at most 200 characters."
        },
    )


class InstrumentListArgsSchema(ItemListArgsSchema):
    type_code = String(metadata={"description": "Instrument type code."})
    admin_unit = String(
        metadata={"description": "Administrative unit code of the site (a province includes its districts)."}
    )


class LookupArgsSchema(Schema):
    owner = String(required=True, metadata={"description": "The owner's organisation code."})
    serial_number = String(
        required=True, metadata={"description": "The serial number, ignoring case and diacritics."}
    )


class LookupSchema(Schema):
    items = List(Nested(InstrumentSchema), required=True)


# --- Endpoints -------------------------------------------------------------------------------------------


def list_items(kind: ItemKind, args: dict[str, Any]) -> dict[str, Any]:
    """One page of the items of ``kind`` the caller may see that match the filters in ``args``."""
    filters = ItemFilters(
        q=args.get("q", ""),
        owner=args.get("owner", ""),
        type_code=args.get("type_code", ""),
        status=args.get("status"),
        admin_unit=args.get("admin_unit", ""),
        due_before=args.get("due_before"),
    )
    conditions = filter_conditions(api_user(), kind, filters, local_today())
    model = services.MODELS[kind]
    return paginate(
        select(model).where(*conditions), model.id, limit=args.get("limit"), cursor=args.get("cursor")
    )


def _create(kind: ItemKind, data: dict[str, Any]) -> Item:
    return services.create_item(api_user(), kind, data)


def _may_register(kind: ItemKind) -> None:
    services.check_may_register(api_user(), kind)


for _blp, _name, _kind, _schema, _list_args, _what in (
    (instruments_blp, "Instruments", ItemKind.INSTRUMENT, InstrumentSchema, InstrumentListArgsSchema,
     "instrument"),
    (standards_blp, "Standards", ItemKind.STANDARD, StandardSchema, ItemListArgsSchema,
     "measurement standard"),
    (reference_materials_blp, "ReferenceMaterials", ItemKind.REFERENCE_MATERIAL, ReferenceMaterialSchema,
     ItemListArgsSchema, "reference material"),
):  # fmt: skip
    register_collection(
        _blp,
        "",
        _name,
        schema=_schema,
        list_args=_list_args,
        list_rows=functools.partial(list_items, _kind),
        create=functools.partial(_create, _kind),
        may_create=functools.partial(_may_register, _kind),
        list_doc=f"The {_what}s the caller may see (the Department: all; others: their organisation's).",
        create_doc=f"Register a {_what} of your own organisation (the Department: of any"
        + ("; a lab: on an enterprise's behalf)." if _kind == ItemKind.INSTRUMENT else ")."),
    )


@instruments_blp.route("/lookup")
class InstrumentLookup(MethodView):
    @documents_errors(instruments_blp, 403)
    @checked_first(lambda: services.check_may_look_up(api_user()))
    @instruments_blp.arguments(LookupArgsSchema, location="query")
    @instruments_blp.response(200, LookupSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The instruments of an owner with exactly this serial number (the Department and labs)."""
        found = services.lookup_instruments(
            api_user(), owner=args.get("owner"), serial_number=args.get("serial_number")
        )
        return {"items": found}


@instruments_blp.route("/<int:item_id>")
class InstrumentById(MethodView):
    @documents_errors(instruments_blp, 404)
    @instruments_blp.response(200, InstrumentSchema)
    def get(self, item_id: int) -> Item:
        """One instrument; another organisation's answers 404 unless the caller is the Department."""
        return services.get_item(api_user(), item_id, Instrument)

    @documents_errors(instruments_blp, 403, 404, 409)
    @instruments_blp.arguments(InstrumentPatchSchema)
    @instruments_blp.response(200, InstrumentSchema)
    def patch(self, data: dict[str, Any], item_id: int) -> Item:
        """Change an instrument: ``reason`` is required; a stale ``version`` is a 409; ``owner``
        transfers it (the Department only); ``site_address``/``site_admin_unit`` relocate it."""
        item = services.get_item(api_user(), item_id, Instrument)
        changes = {name: value for name, value in data.items() if name not in {"reason", "version"}}
        return services.update_item(
            api_user(), item, changes, reason=data.get("reason"), version=data.get("version")
        )
