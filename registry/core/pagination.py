"""Pages of a web list: numbered (``page_of``, for short lists) or by keyset (``keyset_page``, for the
lists that grow with the registry: "next" and "previous" cost the same on any page, as the API's cursors
do — registry.api.pagination).

A keyset list has one order: a column, NULLs last whichever the direction, ties broken by the id. Its
rows are two runs — those with a value, in ``(column, id)`` order, then those without, in id order —
each read by its own query, so that an index on ``(…, column, id)`` serves both, on SQLite and
PostgreSQL alike. A page's links carry the position of its last row (``after``) or its first
(``before``); a link that does not decode, or belongs to another order, opens the first page again.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from flask import request, url_for
from sqlalchemy import Select, func, select, tuple_

from registry.core.models import MAX_ID
from registry.extensions import db

T = TypeVar("T")
MAX_PAGE_DIGITS = 6
MAX_CURSOR_LENGTH = 400


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int
    pages: int
    total: int


def page_number(value: object) -> int:
    """The page asked for: a whole number from 1, anything else the first page."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) <= MAX_PAGE_DIGITS and int(text) > 0 else 1


def page_of(stmt: Select[Any], number: object, per_page: int) -> Page[Any]:
    """Page ``number`` of ``stmt``'s rows (the last page when it asks for more)."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    current = min(page_number(number), pages)
    items = list(db.session.scalars(stmt.limit(per_page).offset((current - 1) * per_page)))
    return Page(items, current, pages, total)


# --- Keyset pages ----------------------------------------------------------------------------------------


def parse_text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def parse_whole(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_ID:
        raise TypeError(value)
    return value


def parse_day(value: Any) -> date:
    return date.fromisoformat(value)


def parse_moment(value: Any) -> datetime:
    return datetime.fromisoformat(value)


@dataclass(frozen=True)
class Order:
    """A keyset list's order: ``column`` (NULLs last), then ``id``, both ascending or both descending.
    ``parse`` turns a cursor's JSON value back into the column's type (and refuses a wrong one)."""

    name: str
    column: Any
    id: Any
    descending: bool = False
    parse: Callable[[Any], Any] = parse_text
    nullable: bool = True

    def clauses(self) -> list[Any]:
        """The ORDER BY of the whole list (a download): NULLs last on SQLite and PostgreSQL alike."""
        column, key = self.column, self.id
        nulls_last = [column.is_(None)] if self.nullable else []
        if self.descending:
            return [*nulls_last, column.desc(), key.desc()]
        return [*nulls_last, column.asc(), key.asc()]


@dataclass(frozen=True)
class Position:
    """Where a page starts or ends: a row's sort value and id (or a point between rows)."""

    value: Any
    id: int


@dataclass(frozen=True)
class KeysetPage(Generic[T]):
    items: list[T]
    next: str | None  # the cursor of the next page (``?after=``), None on the last
    previous: str | None  # the cursor of the previous page (``?before=``), None on the first
    reset: bool = False  # the link asked for did not decode: this is the first page instead


def encode(order: Order, position: Position) -> str:
    value = position.value.isoformat() if isinstance(position.value, date) else position.value
    text = json.dumps({"o": order.name, "v": value, "id": position.id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(order: Order, cursor: str) -> Position | None:
    """The position a cursor names, or None when it was not made for ``order`` or was tampered with."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        row_id, value = data["id"], data["v"]
        if data["o"] != order.name or not isinstance(row_id, int) or isinstance(row_id, bool):
            return None
        if not 0 <= row_id <= MAX_ID:
            return None
        return Position(None if value is None else order.parse(value), row_id)
    except (binascii.Error, ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        return None


def _run(
    stmt: Select[Any], order: Order, *, nulls: bool, bound: Position | None, down: bool, limit: int
) -> list[Any]:
    """Up to ``limit`` rows of one run (``nulls``: the rows without a value), read downwards (``down``:
    descending) from just past ``bound``."""
    if limit <= 0:
        return []
    column, key = order.column, order.id
    stmt = stmt.order_by(None)
    if nulls:
        stmt = stmt.where(column.is_(None))
        if bound is not None:
            stmt = stmt.where(key < bound.id if down else key > bound.id)
        stmt = stmt.order_by(key.desc() if down else key.asc())
    else:
        stmt = stmt.where(column.is_not(None))
        if bound is not None:
            pair, past = tuple_(column, key), tuple_(bound.value, bound.id)
            stmt = stmt.where(pair < past if down else pair > past)
        stmt = stmt.order_by(column.desc() if down else column.asc(), key.desc() if down else key.asc())
    return [(row[0], row[1]) for row in db.session.execute(stmt.add_columns(column).limit(limit))]


def _forward(stmt: Select[Any], order: Order, start: Position | None, limit: int) -> list[Any]:
    """The rows after ``start`` (all when None), in the list's order."""
    rows = []
    if start is None or start.value is not None:
        rows = _run(stmt, order, nulls=False, bound=start, down=order.descending, limit=limit)
    if order.nullable:
        in_nulls = start if start is not None and start.value is None else None
        rows += _run(stmt, order, nulls=True, bound=in_nulls, down=order.descending, limit=limit - len(rows))
    return rows


def _backward(stmt: Select[Any], order: Order, end: Position, limit: int) -> list[Any]:
    """The rows before ``end``, nearest first."""
    rows = []
    if end.value is None and order.nullable:
        rows = _run(stmt, order, nulls=True, bound=end, down=not order.descending, limit=limit)
    in_values = end if end.value is not None else None
    rows += _run(
        stmt, order, nulls=False, bound=in_values, down=not order.descending, limit=limit - len(rows)
    )
    return rows


def jump_to(order: Order, value: Any) -> Position:
    """The point just before the first row whose value is ``value`` or comes after it in ``order``."""
    return Position(value, MAX_ID + 1 if order.descending else 0)


def keyset_page(
    stmt: Select[Any],
    order: Order,
    per_page: int,
    *,
    after: str | None = None,
    before: str | None = None,
    start: Position | None = None,
) -> KeysetPage[Any]:
    """The page of ``stmt``'s rows in ``order`` after the cursor ``after``, before ``before``, or from
    ``start`` (a jump to a value); the first page when none is given or the cursor is not valid."""
    cursor = after or before
    position = start
    if cursor:
        position = decode(order, cursor)
        if position is None:
            return _first(stmt, order, per_page, reset=True)
    if position is None:
        return _first(stmt, order, per_page)
    if before and not start:
        rows = _backward(stmt, order, position, per_page + 1)
        more_before = len(rows) > per_page
        rows = rows[:per_page][::-1]
        return _page(order, rows, more_before=more_before, more_after=True)
    rows = _forward(stmt, order, position, per_page + 1)
    more_after = len(rows) > per_page
    rows = rows[:per_page]
    more_before = bool(_backward(stmt, order, _position(rows[0]), 1)) if rows else False
    return _page(order, rows, more_before=more_before, more_after=more_after)


def _first(stmt: Select[Any], order: Order, per_page: int, *, reset: bool = False) -> KeysetPage[Any]:
    rows = _forward(stmt, order, None, per_page + 1)
    page = _page(order, rows[:per_page], more_before=False, more_after=len(rows) > per_page)
    return KeysetPage(page.items, page.next, None, reset)


def _position(row: tuple[Any, Any]) -> Position:
    return Position(row[1], row[0].id)


def _page(order: Order, rows: list[Any], *, more_before: bool, more_after: bool) -> KeysetPage[Any]:
    return KeysetPage(
        [row[0] for row in rows],
        encode(order, _position(rows[-1])) if rows and more_after else None,
        encode(order, _position(rows[0])) if rows and more_before else None,
    )


PAGE_ARGS = ("after", "before", "start")


def list_url(**cursor: str) -> str:
    """This list's address with its filters and sort, at the page ``cursor`` names (``after=…`` or
    ``before=…``; none: the first page). Bookmarkable: the position is in the address, not the session."""
    args: dict[str, Any] = {
        key: value for key, value in request.args.items() if key not in {*PAGE_ARGS, "format"} and value
    }
    return url_for(request.endpoint or "", **{**args, **cursor})


def page_from_request(stmt: Select[Any], order: Order, per_page: int) -> KeysetPage[Any]:
    """The page of ``stmt`` that this request's ``after`` or ``before`` names."""
    return keyset_page(
        stmt, order, per_page, after=request.args.get("after"), before=request.args.get("before")
    )
