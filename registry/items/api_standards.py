"""/api/v1/standards and /api/v1/reference-materials (DESIGN §5)."""

from __future__ import annotations

from collections.abc import Callable

import marshmallow as ma

from registry.api.auth import api_user
from registry.api.blueprint import Blueprint
from registry.api.schemas import register_collection
from registry.items import access, services
from registry.items.api import (
    ItemListArgsSchema,
    ItemSchema,
    Reads,
    StrictBoolean,
    day,
    interval,
    list_items,
)
from registry.items.models import Item, ItemKind, StandardLevel

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


class StandardSchema(ItemSchema):
    name = ma.fields.String(required=True)
    level = ma.fields.String(
        required=True, validate=ma.validate.OneOf([level.value for level in StandardLevel])
    )
    quantity = ma.fields.String(required=True, metadata={"description": "e.g. mass, volume, temperature"})
    serial_number = ma.fields.String(metadata={"description": "Unique per owner among its standards."})
    range = Reads("measuring_range")
    uncertainty = ma.fields.String()
    interval_months = interval(required=True, metadata={"description": "Calibration interval."})
    traceable_to = ma.fields.String(
        metadata={"description": "At the top of a chain: the external body that calibrates it."}
    )


class ReferenceMaterialSchema(ItemSchema):
    name = ma.fields.String(required=True)
    producer = ma.fields.String()
    producer_iso17034 = StrictBoolean(metadata={"description": "The producer is accredited to ISO 17034."})
    lot = ma.fields.String(metadata={"description": "Unique per owner and name."})
    certified_value = ma.fields.String()
    uncertainty = ma.fields.String()
    unit = ma.fields.String()
    certificate_number = ma.fields.String()
    expiry_date = day(required=True, metadata={"description": "Its validity: valid_until is this date."})


def _register(
    blp: Blueprint, name: str, kind: ItemKind, schema: type[ma.Schema], create: Callable[..., Item], what: str
) -> None:
    register_collection(
        blp,
        "",
        name,
        schema=schema,
        list_args=ItemListArgsSchema,
        list_rows=lambda args: list_items(kind, args),
        create=lambda data: create(api_user(), data),
        may_create=lambda: access.require_create(api_user(), kind),
        list_doc=f"The {what}s the caller may see (the Department: all; others: their own).",
        create_doc=f"Register a {what} of your own organisation (the Department: of any).",
    )


_register(
    standards_blp,
    "Standards",
    ItemKind.STANDARD,
    StandardSchema,
    services.create_standard,
    "measurement standard",
)
_register(
    reference_materials_blp,
    "ReferenceMaterials",
    ItemKind.REFERENCE_MATERIAL,
    ReferenceMaterialSchema,
    services.create_reference_material,
    "reference material",
)
