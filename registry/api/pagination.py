"""Cursor pagination: ``?limit=&cursor=`` in, ``{"items": [...], "next_cursor": ...}`` out."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

import marshmallow as ma
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from registry.core.errors import ServiceError
from registry.extensions import db

# The largest key a cursor may name: the largest id (ids are 32-bit INTEGER columns on PostgreSQL, and
# SQLAlchemy binds the key as one: a larger value would be a database error, not an empty page).
MAX_KEY = 2**31 - 1


class PlainInteger(ma.fields.Integer):
    """Digits only: Python's int() would also take "1_0", " 2" or Arabic-Indic digits."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, str) and not PLAIN_DIGITS.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


PLAIN_DIGITS = re.compile(r"[0-9]+")


class ListArgsSchema(ma.Schema):
    # Optional but never null: the spec says "leave it out", not "send null".
    limit = PlainInteger(
        validate=ma.validate.Range(min=1, max=500),
        metadata={"description": "Rows per page (default 50)."},
    )
    cursor = ma.fields.String(
        validate=ma.validate.Length(max=200),
        metadata={"description": "The previous page's next_cursor; leave out for the first page."},
    )


def page_schema(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """``{"items": [item...], "next_cursor": str | null}`` for ``item_schema``."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return type(
        name,
        (ma.Schema,),
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "next_cursor": ma.fields.String(required=True, allow_none=True),
        },
    )


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
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_KEY:
        raise _invalid_cursor()
    return value


def paginate(
    stmt: Select[Any], key: InstrumentedAttribute[int], *, limit: int | None, cursor: str | None
) -> dict[str, Any]:
    """One page of ``stmt`` in ``key`` order (a unique, increasing column: the primary key)."""
    size = limit or current_app.config["API_PAGE_DEFAULT"]
    if cursor:
        stmt = stmt.where(key > _decode(cursor))
    rows = list(db.session.scalars(stmt.order_by(key).limit(size + 1)))
    has_more = len(rows) > size
    rows = rows[:size]
    return {"items": rows, "next_cursor": _encode(getattr(rows[-1], key.key)) if has_more else None}
