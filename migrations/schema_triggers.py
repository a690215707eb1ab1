"""Keeping the guarding triggers through a migration (see README.md beside this file).

On SQLite, ``op.batch_alter_table`` re-creates the table for most changes (a new table, the rows copied,
the old table dropped, the new one renamed), and a dropped table takes its triggers with it. Use
:func:`batch_alter_table` from here instead on a table that has triggers (PostgreSQL alters in place and
keeps them; the helper only checks there):
it reads the table's triggers from the database before the change and creates again, after it, every one
that the change removed — the same SQL, as the migration that first created it wrote it. Nothing here
imports the application, and nothing here names a trigger: what a migration re-creates is exactly what
the database held before it, so an old migration replays the same way whatever comes later.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import op


def triggers_of(table_name: str) -> dict[str, str]:
    """The triggers on ``table_name`` now, by name: the SQL that creates each."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        rows = bind.execute(
            sa.text(
                "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
                "WHERE tgrelid = CAST(:table AS regclass) AND NOT tgisinternal"
            ),
            {"table": table_name},
        )
    else:
        rows = bind.execute(
            sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table"),
            {"table": table_name},
        )
    return {name: sql for name, sql in rows}


@contextmanager
def batch_alter_table(table_name: str, **kwargs: Any) -> Iterator[Any]:
    """``op.batch_alter_table(table_name, **kwargs)``, and afterwards the triggers the table had before.

    (On SQLite, env.py turns the foreign keys off while migrating and checks them before each revision
    commits: dropping the old table, which other rows refer to, would fail otherwise.)"""
    before = triggers_of(table_name)
    with op.batch_alter_table(table_name, **kwargs) as batch_op:
        yield batch_op
    after = triggers_of(table_name)
    for name, sql in sorted(before.items()):
        if name not in after:
            op.get_bind().exec_driver_sql(sql)  # as stored: no bound parameters read into it
