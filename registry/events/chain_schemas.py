"""The traceability chain in the API: ``chain`` on ``GET /api/v1/events/<id>`` (not on the list). What a
caller may not see of a link is ``null``: the ids of another organisation's standard and of the result it
stood on, the standard's serial number and level (see :mod:`.traceability`)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from registry.api.auth import api_user
from registry.api.fields import Boolean, Day, Integer, List, Nested, Schema, String, choice
from registry.events.models import EventKind
from registry.events.traceability import MAX_DEPTH, End, chain_of_event
from registry.items.models import ItemKind, Result, StandardLevel
from registry.items.status import Status


class ChainCalibrationSchema(Schema):
    """The result the standard's validity stood on the day it was used, as its certificate shows it."""

    id = Integer(dump_only=True, allow_none=True, metadata={"description": "null: an event you may not see."})
    kind = choice(EventKind, dump_only=True)
    provider = String(dump_only=True, metadata={"description": "The issuing organisation's code."})
    provider_name = String(dump_only=True)
    performed_on = Day(dump_only=True)
    certificate_number = String(dump_only=True, allow_none=True)
    revision = Integer(dump_only=True)
    result = choice(Result, dump_only=True)
    valid_until = Day(dump_only=True, allow_none=True)


class ChainLinkSchema(Schema):
    """One standard or reference material of the chain, with the links above it."""

    depth = Integer(
        dump_only=True, metadata={"description": f"1: used by the event itself; at most {MAX_DEPTH}."}
    )
    used_on = Day(dump_only=True, metadata={"description": "The day it was used."})
    status = choice(Status, dump_only=True, metadata={"description": "Its status on used_on."})
    valid = Boolean(
        dump_only=True,
        metadata={"description": "Whether it had a valid result on used_on; false: a broken link."},
    )
    id = Integer(
        dump_only=True, allow_none=True, metadata={"description": "null: a standard you may not see."}
    )
    kind = choice((ItemKind.STANDARD, ItemKind.REFERENCE_MATERIAL), dump_only=True)
    name = String(dump_only=True)
    owner = String(dump_only=True, metadata={"description": "The owner's organisation code."})
    owner_name = String(dump_only=True)
    serial_number = String(dump_only=True, allow_none=True)
    level = choice(StandardLevel, dump_only=True, allow_none=True, metadata={"enum": [*StandardLevel, None]})
    calibration = Nested(ChainCalibrationSchema, dump_only=True, allow_none=True)
    end = choice(
        End,
        dump_only=True,
        allow_none=True,
        metadata={
            "enum": [*End, None],
            "description": "Why the chain stops here (null: it goes on above): national (a national "
            "standard), traceable_to (the external body in body), external (calibrated by the organisation "
            "in body, whose standards are not recorded), not_stated, cycle, depth.",
        },
    )
    body = String(dump_only=True, metadata={"description": "The external body at the top, if any."})
    links = List(Nested(lambda: ChainLinkSchema()), dump_only=True)


class ChainField(List):
    """The event's chain upward, as the caller may see it."""

    def __init__(self) -> None:
        super().__init__(
            Nested(ChainLinkSchema),
            dump_only=True,
            metadata={
                "description": "The standards the event used, each with the result it stood on that day and "
                "the links above it, up to a national standard or an external body."
            },
        )

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = ma.missing) -> Any:
        return chain_of_event(api_user(), obj)
