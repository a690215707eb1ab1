"""/api/v1/instruments, and the schema pieces the three kinds of items share (DESIGN §5).

Organisations, instrument types and administrative units are referred to by code. ``status`` is the
item's status today (Asia/Ho_Chi_Minh), computed by the same rule as every list and count.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

import marshmallow as ma
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.api.auth import api_user
from registry.api.blueprint import Blueprint
from registry.api.pagination import ListArgsSchema, paginate
from registry.api.schemas import ChangeSchema, documents_errors, register_collection
from registry.items import access, services
from registry.items.fields import MAX_INTERVAL_MONTHS
from registry.items.models import Funding, Instrument, Item, ItemKind, ItemState, Purpose, Use
from registry.items.search import MAX_QUERY_LENGTH, ItemFilters, filter_conditions
from registry.items.status import Status, local_today, status_of

blp = Blueprint(
    "instruments_api",
    __name__,
    url_prefix="/instruments",
    description="Measuring instruments: an owner's, by type and serial number, with their status.",
)

F = TypeVar("F", bound=Callable[..., Any])
STATUSES = [status.value for status in Status]


def _values(options: Any) -> list[str]:
    return [option.value for option in options]


# --- Fields ----------------------------------------------------------------------------------------------


class CodeOf(ma.fields.String):
    """A related row (organisation, instrument type, administrative unit) by its code: read from the
    relationship ``relation`` when answering, taken as the code text when loading."""

    def __init__(self, relation: str, **kwargs: Any) -> None:
        self.relation = relation
        super().__init__(**kwargs)

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = ma.missing) -> Any:
        related = getattr(obj, self.relation, None)
        return None if related is None else related.code


class Reads(ma.fields.String):
    """A text field answered from model attribute ``source`` but loaded under its own name."""

    def __init__(self, source: str, **kwargs: Any) -> None:
        self.source = source
        super().__init__(**kwargs)

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = ma.missing) -> Any:
        return getattr(obj, self.source)


class StatusField(ma.fields.String):
    def __init__(self) -> None:
        super().__init__(
            dump_only=True,
            metadata={
                "enum": STATUSES,
                "description": "Today: retired, out_of_service, never (no valid result), failed, overdue, "
                "due_soon (within 30 days), valid.",
            },
        )

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = ma.missing) -> Any:
        return status_of(obj, local_today()).value


class StrictBoolean(ma.fields.Boolean):
    """true or false only (marshmallow would also take 1, "yes", "on"…)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ma.ValidationError(cast(str, _l("Use true or false.")))
        return value


def day(**kwargs: Any) -> ma.fields.Date:
    message = cast(str, _l("Enter a date as YYYY-MM-DD."))
    return ma.fields.Date(error_messages={"invalid": message, "format": message}, **kwargs)


def choice(options: Any, **kwargs: Any) -> ma.fields.String:
    return ma.fields.String(validate=ma.validate.OneOf(_values(options)), **kwargs)


def interval(**kwargs: Any) -> ma.fields.Integer:
    return ma.fields.Integer(
        strict=True,
        allow_none=True,
        validate=ma.validate.Range(min=1, max=MAX_INTERVAL_MONTHS),
        **kwargs,
    )


# --- Schemas ---------------------------------------------------------------------------------------------


class ItemSchema(ma.Schema):
    """What every item answers and accepts."""

    id = ma.fields.Integer(dump_only=True)
    owner = CodeOf(
        "owner",
        metadata={"description": "Organisation code. When registering: your own organisation if left out."},
    )
    funding = choice(Funding)
    purpose = choice(Purpose)
    acquired_on = day(allow_none=True, metadata={"description": "Not in the future."})
    status = StatusField()
    valid_until = ma.fields.Date(dump_only=True, allow_none=True)
    version = ma.fields.Integer(dump_only=True)


class InstrumentSchema(ItemSchema):
    type_code = CodeOf("instrument_type", required=True, metadata={"description": "GET /instrument-types"})
    serial_number = ma.fields.String(
        required=True, metadata={"description": "Unique per owner and type; at most 80 characters."}
    )
    manufacturer = ma.fields.String()
    model = ma.fields.String()
    measuring_range = ma.fields.String()
    accuracy_class = ma.fields.String()
    site_address = ma.fields.String(metadata={"description": "The owner's address if left out."})
    site_admin_unit = CodeOf(
        "site_admin_unit",
        allow_none=True,
        metadata={"description": "Administrative unit code; the owner's if left out."},
    )
    use = choice(
        Use,
        metadata={"description": "legal (default): Group 2 controls apply; internal: calibrated (Group 1)."},
    )
    interval_months = interval(
        metadata={
            "description": "Required for internal use; for legal use it may only shorten the legal cycle."
        }
    )
    state = choice(ItemState)


class InstrumentPatchSchema(ChangeSchema):
    """Any field of an instrument; ``owner`` transfers it (the Department), the site fields relocate it."""

    owner = ma.fields.String()
    type_code = ma.fields.String()
    serial_number = ma.fields.String()
    manufacturer = ma.fields.String()
    model = ma.fields.String()
    measuring_range = ma.fields.String()
    accuracy_class = ma.fields.String()
    site_address = ma.fields.String()
    site_admin_unit = ma.fields.String(allow_none=True)
    use = choice(Use)
    interval_months = interval()
    state = choice(ItemState)
    funding = choice(Funding)
    purpose = choice(Purpose)
    acquired_on = day(allow_none=True)


class ItemListArgsSchema(ListArgsSchema):
    owner = ma.fields.String(metadata={"description": "Organisation code."})
    status = ma.fields.String(validate=ma.validate.OneOf(STATUSES))
    due_before = day(metadata={"description": "Valid until a day before this one."})
    q = ma.fields.String(
        validate=ma.validate.Length(
            max=MAX_QUERY_LENGTH, error=cast(str, _l("Use at most %(n)d characters.", n=MAX_QUERY_LENGTH))
        ),
        metadata={
            "description": "Words of the serial number, manufacturer, model, name or owner name, ignoring "
            "case and Vietnamese diacritics (đ matches d)."
        },
    )


class InstrumentListArgsSchema(ItemListArgsSchema):
    type_code = ma.fields.String(metadata={"description": "Instrument type code."})
    admin_unit = ma.fields.String(
        metadata={"description": "Administrative unit code of the site (a province includes its districts)."}
    )


class LookupArgsSchema(ma.Schema):
    owner = ma.fields.String(required=True, metadata={"description": "The owner's organisation code."})
    serial_number = ma.fields.String(required=True, metadata={"description": "The exact serial number."})


class LookupSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(InstrumentSchema), required=True)


# --- Helpers the three kinds share -----------------------------------------------------------------------


def list_items(kind: ItemKind, args: dict[str, Any]) -> dict[str, Any]:
    """One page of the items of ``kind`` the caller may see that match the filters in ``args``."""
    filters = ItemFilters(
        q=args.get("q", ""),
        owner=args.get("owner", ""),
        type_code=args.get("type_code", ""),
        status=args.get("status", ""),
        admin_unit=args.get("admin_unit", ""),
        due_before=args.get("due_before"),
    )
    conditions = filter_conditions(api_user(), kind, filters, local_today())
    model = services.MODELS[kind]
    return paginate(
        select(model).where(*conditions), model.id, limit=args.get("limit"), cursor=args.get("cursor")
    )


def changes_of(data: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in data.items() if name not in {"reason", "version"}}


# --- Endpoints -------------------------------------------------------------------------------------------


register_collection(
    blp,
    "",
    "Instruments",
    schema=InstrumentSchema,
    list_args=InstrumentListArgsSchema,
    list_rows=functools.partial(list_items, ItemKind.INSTRUMENT),
    create=lambda data: services.create_instrument(api_user(), data),
    may_create=lambda: access.require_create(api_user(), ItemKind.INSTRUMENT),
    list_doc="Instruments the caller may see (the Department: all; others: their organisation's).",
    create_doc="Register an instrument: of your own organisation, or, for a lab, on an enterprise's behalf.",
)


def looks_up(func: F) -> F:
    """Refuse callers who may not look instruments up before their arguments are read (403)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        access.require_look_up(api_user())
        return func(*args, **kwargs)

    return cast(F, wrapper)


@blp.route("/lookup")
class InstrumentLookup(MethodView):
    @documents_errors(blp, 403)
    @looks_up
    @blp.arguments(LookupArgsSchema, location="query")
    @blp.response(200, LookupSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The instruments of an owner with exactly this serial number (the Department and labs)."""
        found = services.lookup_instruments(
            api_user(), owner=args["owner"], serial_number=args["serial_number"]
        )
        return {"items": found}


@blp.route("/<int:item_id>")
class InstrumentById(MethodView):
    @documents_errors(blp, 404)
    @blp.response(200, InstrumentSchema)
    def get(self, item_id: int) -> Item:
        """One instrument; another organisation's answers 404 unless the caller is the Department."""
        return access.get_visible_item(api_user(), item_id, Instrument)

    @documents_errors(blp, 403, 404, 409)
    @blp.arguments(InstrumentPatchSchema)
    @blp.response(200, InstrumentSchema)
    def patch(self, data: dict[str, Any], item_id: int) -> Item:
        """Change an instrument: ``reason`` is required; a stale ``version`` is a 409; ``owner``
        transfers it (the Department only); ``site_address``/``site_admin_unit`` relocate it."""
        item = access.get_visible_item(api_user(), item_id, Instrument)
        return services.update_item(
            api_user(), item, changes_of(data), reason=data["reason"], version=data.get("version")
        )
