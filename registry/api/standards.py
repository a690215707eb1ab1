"""/api/v1/standards and /api/v1/reference-materials (DESIGN §5)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from registry.api.auth import api_user
from registry.api.blueprint import Blueprint
from registry.api.items import (
    ItemListArgsSchema,
    ItemSchema,
    Reads,
    StrictBoolean,
    creates,
    day,
    interval,
    list_items,
)
from registry.api.pagination import page_schema
from registry.api.schemas import documents_errors
from registry.items import services
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


@standards_blp.route("")
class Standards(MethodView):
    @documents_errors(standards_blp)
    @standards_blp.arguments(ItemListArgsSchema, location="query")
    @standards_blp.response(200, page_schema(StandardSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Measurement standards the caller may see (the Department: all; others: their own)."""
        return list_items(ItemKind.STANDARD, args)

    @documents_errors(standards_blp, 403)
    @creates(ItemKind.STANDARD)
    @standards_blp.arguments(StandardSchema)
    @standards_blp.response(201, StandardSchema)
    def post(self, data: dict[str, Any]) -> Item:
        """Register a measurement standard of your own organisation (the Department: of any)."""
        return services.create_standard(api_user(), data)


@reference_materials_blp.route("")
class ReferenceMaterials(MethodView):
    @documents_errors(reference_materials_blp)
    @reference_materials_blp.arguments(ItemListArgsSchema, location="query")
    @reference_materials_blp.response(200, page_schema(ReferenceMaterialSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Reference materials the caller may see (the Department: all; others: their own)."""
        return list_items(ItemKind.REFERENCE_MATERIAL, args)

    @documents_errors(reference_materials_blp, 403)
    @creates(ItemKind.REFERENCE_MATERIAL)
    @reference_materials_blp.arguments(ReferenceMaterialSchema)
    @reference_materials_blp.response(201, ReferenceMaterialSchema)
    def post(self, data: dict[str, Any]) -> Item:
        """Register a reference material of your own organisation (the Department: of any)."""
        return services.create_reference_material(api_user(), data)
