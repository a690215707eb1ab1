"""Cursor pagination: ``?limit=&cursor=`` in, ``{"items": [...], "next_cursor": ...}`` out."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import marshmallow as ma
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from registry.api.fields import List, Nested, QueryInteger, Schema, String
from registry.core.errors import ServiceError
from registry.core.models import MAX_ID
from registry.extensions import db


class ListArgsSchema(Schema):
    # Optional but never null: the spec says "leave it out", not "send null".
    limit = QueryInteger(metadata={"description": "Rows per page, 1 to 500 (default 50)."})
    cursor = String(
        metadata={"description": "The previous page's next_cursor; leave out for the first page."}
    )


def page_schema(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """``{"items": [item...], "next_cursor": str | null}`` for ``item_schema``."""

    class Page(Schema):
        items = List(Nested(item_schema), required=True)
        next_cursor = String(required=True, allow_none=True)

    # The OpenAPI component is named after the class: one per kind of row.
    Page.__name__ = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return Page


def _encode(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode().rstrip("=")


def _invalid_cursor() -> ServiceError:
    return ServiceError({"cursor": _l("This cursor is not valid; start again without it.")})


def _decode(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))["after"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise _invalid_cursor() from None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_ID:
        raise _invalid_cursor()
    return value


def paginate(
    stmt: Select[Any], key: InstrumentedAttribute[int], *, limit: int | None, cursor: str | None
) -> dict[str, Any]:
    """One page of ``stmt`` in ``key`` order (a unique, increasing column: the primary key)."""
    size = current_app.config["API_PAGE_DEFAULT"] if limit is None else limit
    if not 1 <= size <= current_app.config["API_PAGE_MAX"]:
        raise ServiceError(
            {
                "limit": _l(
                    "Use a number from %(min)s to %(max)s.", min=1, max=current_app.config["API_PAGE_MAX"]
                )
            }
        )
    if cursor:
        stmt = stmt.where(key > _decode(cursor))
    rows = list(db.session.scalars(stmt.order_by(key).limit(size + 1)))
    has_more = len(rows) > size
    rows = rows[:size]
    return {"items": rows, "next_cursor": _encode(getattr(rows[-1], key.key)) if has_more else None}
