"""Writing many rows at once for the generator (``demo generate``): PostgreSQL's COPY, SQLite's executemany,
ids taken from the table's own sequence first so that events can name their items before either is
written, and one audit entry per batch."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.core.models import utcnow
from registry.extensions import db


class BulkWriter:
    """Rows of one table as dicts of column values; every column without a value gets its default (a
    scalar default, or a callable one called once: a created_at shared by the batch)."""

    def __init__(self, table: sa.Table) -> None:
        self.table = table
        self.connection = db.session.connection()
        self.postgresql = self.connection.dialect.name == "postgresql"
        self.columns = [c for c in table.columns if c.name != "id"]
        self._next_sqlite_id: int | None = None

    def ids(self, count: int) -> list[int]:
        """``count`` fresh ids for rows about to be written (PostgreSQL: from the table's sequence, so that
        a live application inserting meanwhile takes others)."""
        if count == 0:
            return []
        if self.postgresql:
            sequence = f"{self.table.name}_id_seq"
            rows = self.connection.execute(
                sa.text("SELECT nextval(CAST(:sequence AS regclass)) FROM generate_series(1, :n)"),
                {"sequence": sequence, "n": count},
            )
            return [row[0] for row in rows]
        if self._next_sqlite_id is None:  # SQLite: one writer at a time, the transaction holds the lock
            self._next_sqlite_id = (self.connection.scalar(sa.select(sa.func.max(self.table.c.id))) or 0) + 1
        first = self._next_sqlite_id
        self._next_sqlite_id += count
        return list(range(first, first + count))

    def defaults(self) -> dict[str, Any]:
        """Each column's default: a scalar as is, a callable called once (``created_at``: one moment for
        the batch; ``list``: an empty list); a callable that needs the row (a token) gives None here."""
        values: dict[str, Any] = {}
        for column in self.columns:
            arg = getattr(column.default, "arg", None)
            if not callable(arg):
                values[column.name] = arg
            else:
                try:
                    values[column.name] = arg(None)
                except (AttributeError, TypeError):
                    values[column.name] = None
        return values

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        if self.postgresql:
            self._copy(rows)
        else:
            self.connection.execute(sa.insert(self.table), list(rows))

    def _copy(self, rows: Sequence[dict[str, Any]]) -> None:
        names = ["id", *(c.name for c in self.columns)]
        converters = [_converter(self.table.c[name], self.connection.dialect) for name in names]
        cursor = self.connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        quoted = ", ".join(f'"{name}"' for name in names)
        with cursor.copy(f"COPY {self.table.name} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([convert(row[name]) for name, convert in zip(names, converters, strict=True)])


def _converter(column: sa.Column[Any], dialect: sa.Dialect) -> Any:
    """What COPY is given for a value of ``column``: JSON as text, a type decorator's stored form."""
    if isinstance(column.type, sa.JSON):
        return lambda value: None if value is None else json.dumps(value)
    if isinstance(column.type, sa.types.TypeDecorator):
        bind = column.type.process_bind_param
        return lambda value: bind(value, dialect)
    return _same


def _same(value: Any) -> Any:
    return value


def audit_batch(label: str, table: str, ids: Sequence[int], reason: str, parameters: dict[str, Any]) -> None:
    """One audit entry for a batch of rows written at once (instead of one per row, which would double the
    data written): who, when, which ids, and the generator's parameters, from which the same call rebuilds
    the same rows."""
    if not ids:
        return
    values = {"rows": len(ids), "first_id": min(ids), "last_id": max(ids), **parameters}
    db.session.connection().execute(
        sa.insert(AuditEvent),
        {
            "occurred_at": utcnow(),
            "actor_id": None,
            "actor_label": label,
            "table_name": table,
            "row_id": f"{min(ids)}-{max(ids)}",
            "action": "bulk_create",
            "old_values": None,
            "new_values": {key: v.isoformat() if isinstance(v, date) else v for key, v in values.items()},
            "reason": reason,
        },
    )
