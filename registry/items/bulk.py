"""Registering many instruments at once (a file import): each row made and checked by
:func:`registry.items.services.new_item`, like one registered through the form or the API; the rows
then go in by bulk INSERTs, and the audit trail gets one entry per batch that still replays every row
(:func:`registry.audit.services.record_created`)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import insert, inspect, select, text

from registry.audit import services as audit
from registry.core.models import utcnow
from registry.extensions import db
from registry.items.models import Item, ItemKind
from registry.organisations.models import Organisation


def instrument_keys(owner: Organisation) -> set[tuple[int, str]]:
    """The (type id, serial key) of every instrument of ``owner``: read once, so that a file's duplicate
    check asks a set instead of the database once a row."""
    stmt = select(Item.type_id, Item.serial_key).where(
        Item.owner_id == owner.id, Item.kind == ItemKind.INSTRUMENT.value, Item.type_id.is_not(None)
    )
    return {(type_id, key) for type_id, key in db.session.execute(stmt) if type_id is not None}


@cache
def _columns() -> list[tuple[str, Any]]:
    """Each column but the id, with its scalar default."""
    columns = []
    for attr in inspect(Item).column_attrs:
        default = attr.columns[0].default
        if attr.key != "id":
            columns.append((attr.key, default.arg if default is not None and default.is_scalar else None))
    return columns


def row_of(item: Item) -> dict[str, Any]:
    """The columns a bulk INSERT writes for the new ``item``, its defaults filled in as a flush would."""
    row: dict[str, Any] = {}
    for key, default in _columns():
        value = getattr(item, key)
        row[key] = default if value is None else value
    # Set through relationships, which only a flush copies into the foreign keys.
    row["owner_id"] = item.owner.id
    row["type_id"] = item.instrument_type.id if item.instrument_type else None
    row["site_admin_unit_id"] = item.site_admin_unit.id if item.site_admin_unit else None
    row["version"] = 1
    row["created_at"] = utcnow()
    return row


_NEXT_IDS = text("SELECT nextval(pg_get_serial_sequence('items', 'id')) FROM generate_series(1, :n)")


def insert_rows(rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert new items' rows (:func:`row_of`) in one statement and write their audit entry; their ids,
    in order. Call it inside the audit reason that says why they were created."""
    if not rows:
        return []
    table = Item.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        # An INSERT … RETURNING of many rows is several times slower on PostgreSQL than a plain one
        # (psycopg pipelines that): take the ids from the sequence first, then insert them.
        ids = list(db.session.scalars(_NEXT_IDS, {"n": len(rows)}))
        db.session.execute(
            insert(table), [{**row, "id": row_id} for row, row_id in zip(rows, ids, strict=True)]
        )
    else:
        returning = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        ids = list(db.session.execute(returning, rows).scalars())
    audit.record_created(Item, {row_id: {**row, "id": row_id} for row_id, row in zip(ids, rows, strict=True)})
    return ids
