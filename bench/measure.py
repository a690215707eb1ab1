"""What every scale measurement shares: the median of five runs of the application's work, the time of the
SQL it issued meanwhile (the engine's cursor events), and the median of five runs of the hand-written SQL
that gives the same answer (the floor)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa

REPEAT = 5


@dataclass
class Result:
    """One line of the benchmark's output (bench/README.md says what each field means)."""

    name: str
    instruments: int
    app_ms: float | None = None
    sql_ms: float | None = None
    app_sql_ms: float | None = None
    ratio: float | None = None
    per_s: float | None = None
    note: str = ""

    def finish(self) -> Result:
        """Rounded, with ``ratio``: the SQL the application issued over the hand-written SQL (the issue's
        target: within 2×), or the application's whole time over it when its SQL was not timed."""
        mine = self.app_sql_ms if self.app_sql_ms is not None else self.app_ms
        if mine is not None and self.sql_ms:
            self.ratio = round(mine / self.sql_ms, 1)
        for name in ("app_ms", "sql_ms", "app_sql_ms", "per_s"):
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, round(value, 1))
        return self

    def as_json(self) -> dict[str, Any]:
        values = asdict(self)
        if not values["note"]:
            del values["note"]
        return values


class SqlClock:
    """The time spent in the database driver's execute calls while :meth:`running` (the SQL the application
    issued: its queries' time, the network and the driver included, Python around them not)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.seconds = 0.0
        self.statements = 0
        self._started: list[float] = []

    def _before(self, *_: Any) -> None:
        self._started.append(time.perf_counter())

    def _after(self, *_: Any) -> None:
        self.seconds += time.perf_counter() - self._started.pop()
        self.statements += 1

    @contextmanager
    def running(self) -> Iterator[None]:
        sa.event.listen(self.engine, "before_cursor_execute", self._before)
        sa.event.listen(self.engine, "after_cursor_execute", self._after)
        try:
            yield
        finally:
            sa.event.remove(self.engine, "before_cursor_execute", self._before)
            sa.event.remove(self.engine, "after_cursor_execute", self._after)


def app_time(engine: sa.Engine, work: Callable[[], object], repeat: int = REPEAT) -> tuple[float, float]:
    """Medians (ms) of ``work``'s time and of the SQL time within it, after one run to warm the caches."""
    work()
    totals, sqls = [], []
    for _ in range(repeat):
        clock = SqlClock(engine)
        with clock.running():
            start = time.perf_counter()
            work()
            totals.append(time.perf_counter() - start)
        sqls.append(clock.seconds)
    return statistics.median(totals) * 1000, statistics.median(sqls) * 1000


def sql_time(engine: sa.Engine, sql: str, params: dict[str, Any], repeat: int = REPEAT) -> float:
    """Median (ms) of running ``sql`` and fetching every row, after one run to warm the caches."""
    statement = sa.text(sql)
    times = []
    with engine.connect() as connection:
        connection.execute(statement, params).all()
        for _ in range(repeat):
            start = time.perf_counter()
            connection.execute(statement, params).all()
            times.append(time.perf_counter() - start)
        connection.rollback()
    return statistics.median(times) * 1000
