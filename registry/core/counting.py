"""How many rows a list holds, without counting a million rows on every page.

The choice, and why: an **estimate shown as "about"** above ``EXACT_UP_TO`` rows, an exact count below.
A maintained summary table would have to follow every write path (events, imports, transfers, the
demo generator's bulk inserts) and turn each into a hot row that concurrent requests queue on, and it
could still not answer a filtered list (a search, a type, a district); counts only when asked would take
the tallies away from the enterprises and labs, whose lists are small and cheap to count. PostgreSQL's
planner already knows, from its statistics, about how many rows a condition matches: asking it
(``EXPLAIN``) costs a millisecond whatever the table's size. Where it says "few", the rows are counted
exactly, and the count stops at ``EXACT_UP_TO + 1`` rows, so a wrong estimate costs a bounded scan,
never a full one. SQLite, the single-office database, has no such estimate: it counts exactly.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Select, func, select

from registry.extensions import db

EXACT_UP_TO = 2_000


class Count(int):
    """A number of rows that says whether it was counted (``exact``) or estimated ("about")."""

    exact: bool

    def __new__(cls, value: int, *, exact: bool = True) -> Count:
        count = super().__new__(cls, value)
        count.exact = exact
        return count


def estimated_rows(stmt: Select[Any]) -> int | None:
    """The planner's estimate of how many rows ``stmt`` returns, or None where there is none (SQLite)."""
    bind = db.session.get_bind()
    if bind.dialect.name != "postgresql":
        return None
    compiled = stmt.order_by(None).compile(dialect=bind.dialect, compile_kwargs={"render_postcompile": True})
    plan = db.session.connection().exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params)
    value: Any = plan.scalar()
    document = json.loads(value) if isinstance(value, str) else value
    return int(document[0]["Plan"]["Plan Rows"])


def count_rows(stmt: Select[Any]) -> Count:
    """How many rows ``stmt`` returns: exact up to ``EXACT_UP_TO``, an estimate above it."""
    stmt = stmt.order_by(None)
    estimate = estimated_rows(stmt)
    if estimate is None:
        return Count(db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    if estimate > EXACT_UP_TO:
        return Count(estimate, exact=False)
    counted = db.session.scalar(select(func.count()).select_from(stmt.limit(EXACT_UP_TO + 1).subquery())) or 0
    if counted > EXACT_UP_TO:
        return Count(max(counted, estimate), exact=False)
    return Count(counted)
