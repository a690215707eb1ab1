"""Benchmark: flagging the suspects of one standard used three levels deep (issue 10).

Builds, directly in the database (set-based inserts, not service calls), one lab whose reference standard
S0 calibrated its level-1 standards, which calibrated its level-2 standards, with which the lab verified
fuel dispensers every year for five years; then records S0's calibration found out of tolerance through
the real service (``record_event`` as a SystemActor, in ``system_transaction``), which flags the suspects,
times it (the whole transaction, ``flag_suspects``, and each of its SQL statements), and checks that
exactly the events the scenario implies were flagged.

Usage: ``.venv/bin/python -m bench.suspects [--url URL] [--instruments N] [--years Y]``
(default URL: ``$BENCH_DATABASE_URL``). The database's schema is DROPPED and re-created (PostgreSQL: the
``public`` schema; SQLite: the file).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import flask_migrate
import sqlalchemy as sa

from registry import create_app
from registry.auth.system import system_transaction
from registry.core.dates import local_today
from registry.events import recording
from registry.events.models import Event, event_standards
from registry.events.suspects.models import Suspicion
from registry.extensions import db
from registry.items.models import Item
from tests.factories import InstrumentFactory, OrganisationFactory, StandardFactory, lab_with_credentials

LEVEL1 = 10  # working standards calibrated with S0
LEVEL2 = 200  # standards calibrated with the level-1 ones
S0_GOOD = 1500  # days ago: S0's last good calibration (the window starts after it)
CHUNK = 5000


@dataclass
class Scenario:
    today: date
    events: int = 0
    expected: set[int] = field(default_factory=set)  # ids of the events that must be flagged
    by_level: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def reset(url: str) -> None:
    """An empty database for ``url``: PostgreSQL's public schema or SQLite's file dropped."""
    engine = sa.create_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    elif engine.url.database:
        Path(engine.url.database).unlink(missing_ok=True)
    engine.dispose()


def _insert_events(rows: list[dict[str, Any]], standards: list[int | None]) -> list[int]:
    """Insert events (Core, in chunks) and the standard each used; their ids, in order."""
    ids: list[int] = []
    table = Event.__table__
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        insert = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
        result = db.session.execute(insert, chunk)
        ids.extend(result.scalars())
    links = [{"event_id": i, "item_id": s} for i, s in zip(ids, standards, strict=True) if s is not None]
    for start in range(0, len(links), CHUNK):
        db.session.execute(sa.insert(event_standards), links[start : start + CHUNK])
    return ids


def _event(item: int, provider: int, kind: str, day: date, interval: int = 365) -> dict[str, Any]:
    return {
        "item_id": item,
        "provider_id": provider,
        "kind": kind,
        "performed_on": day,
        "result": "pass",
        "revision": 0,
        "state": "current",
        "valid_until": day + timedelta(days=interval),
        "computed_valid_until": day + timedelta(days=interval),
        "technician": "Bench",
        "measurement_points": [],
        "outside_accredited_scope": False,
        "suspect": False,
        "as_found_out_of_tolerance": False,
        "version": 1,
    }


def _clone_items(template: Item, count: int) -> list[int]:
    """``count`` copies of ``template``'s row (new serial numbers), inserted set-based; their ids."""
    table = Item.__table__
    row = dict(db.session.execute(sa.select(table).where(table.c.id == template.id)).mappings().one())
    del row["id"]
    rows = [row | {"serial_number": f"BENCH-{n:06d}", "search_text": f"bench-{n:06d}"} for n in range(count)]
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        result = db.session.execute(
            sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), rows[start : start + CHUNK]
        )
        ids.extend(result.scalars())
    return ids


def build(instruments: int, years: int, seed: int = 10) -> tuple[Scenario, int]:
    """The scenario (see the module's docstring); returns it and S0's id. Expected suspects: every event
    whose standard's last calibration before it (or S0's window, for S0) is suspect."""
    rng = random.Random(seed)
    today = local_today()
    scenario = Scenario(today)

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    nmi = lab_with_credentials(code="BENCH-NMI")  # calibrates S0 (and the others' first calibrations)
    lab = lab_with_credentials(code="BENCH-LAB")
    enterprise = OrganisationFactory(code="BENCH-ENT")
    s0 = StandardFactory(owner=lab, level="reference", interval_months=60, name="S0")
    level1 = [StandardFactory(owner=lab, name=f"L1-{i}").id for i in range(LEVEL1)]
    level2 = [StandardFactory(owner=lab, name=f"L2-{j}").id for j in range(LEVEL2)]
    template = InstrumentFactory(owner=enterprise)
    db.session.flush()

    # S0: its last good calibration, by the national institute.
    _insert_events([_event(s0.id, nmi.id, "calibration", ago(S0_GOOD), 1825)], [None])
    scenario.events += 1

    # Level 1: a first calibration by the institute before S0's window, then yearly ones with S0 (suspect).
    rows, used, suspect = [], [], []
    calibrated: dict[int, list[tuple[date, bool]]] = defaultdict(list)  # standard → (day, suspect)
    for i, item in enumerate(level1):
        plan = [(ago(S0_GOOD + 330 - i), None)] + [(ago(S0_GOOD - 40 - 365 * y - i), s0.id) for y in range(4)]
        for day, standard in plan:
            rows.append(_event(item, nmi.id if standard is None else lab.id, "calibration", day))
            used.append(standard)
            bad = standard is not None and day > ago(S0_GOOD)
            suspect.append(bad)
            calibrated[item].append((day, bad))

    # Level 2: a first calibration by the institute, then yearly ones with a level-1 standard.
    def relied_on(standard: int, day: date) -> bool:
        before = [bad for d, bad in sorted(calibrated[standard]) if d < day]
        return bool(before) and before[-1]

    level2_rows: list[tuple[int, date, int | None]] = []
    for j, item in enumerate(level2):
        l1 = level1[j % LEVEL1]
        level2_rows.append((item, ago(S0_GOOD + 300 - j % 30), None))
        level2_rows += [(item, ago(S0_GOOD - 60 - 365 * y - j % 40), l1) for y in range(4)]
    for item, day, standard in level2_rows:
        bad = standard is not None and relied_on(standard, day)
        rows.append(_event(item, nmi.id if standard is None else lab.id, "calibration", day))
        used.append(standard)
        suspect.append(bad)
        calibrated[item].append((day, bad))
    ids = _insert_events(rows, used)
    scenario.events += len(ids)
    for event_id, bad, standard in zip(ids, suspect, used, strict=True):
        if bad:
            scenario.expected.add(event_id)
            scenario.by_level["level-1 calibrations" if standard == s0.id else "level-2 calibrations"] += 1

    # Level 3: the instruments, verified every year with a level-2 standard (not on its calibration days).
    items = _clone_items(template, instruments)
    days_of = {item: {d for d, _ in calibrated[item]} for item in level2}
    rows, used, suspect = [], [], []
    first = S0_GOOD + 280
    for n, item in enumerate(items):
        standard = level2[n % LEVEL2]
        offset = rng.randrange(0, 300)
        for y in range(years):
            day = ago(first - offset - 365 * y)
            if day in days_of[standard]:
                day += timedelta(days=1)
            kind = "verification_initial" if y == 0 else "verification_periodic"
            rows.append(_event(item, lab.id, kind, day))
            used.append(standard)
            suspect.append(relied_on(standard, day))
    ids = _insert_events(rows, used)
    scenario.events += len(ids)
    for event_id, bad in zip(ids, suspect, strict=True):
        if bad:
            scenario.expected.add(event_id)
            scenario.by_level["level-3 verifications"] += 1
    db.session.commit()
    return scenario, s0.id


@dataclass
class Timings:
    statements: list[tuple[str, float]] = field(default_factory=list)
    flagging: float = 0.0


def _label(statement: str) -> str:
    text = " ".join(statement.split())
    if text.startswith("INSERT INTO suspicions") and "WITH RECURSIVE" in text:
        return "cascade: INSERT … WITH RECURSIVE"
    if text.startswith("INSERT INTO suspicions"):
        return "inherit: INSERT … SELECT"
    if text.startswith("ANALYZE"):
        return "ANALYZE suspicions"
    if text.startswith("WITH flags"):
        return "flags: UPDATE events"
    return text[:60]


@contextmanager
def timed(timings: Timings) -> Iterator[None]:
    """Time each SQL statement run and :func:`flag_suspects` (wrapped where recording calls it)."""
    engine = db.engine
    started: list[float] = []

    def before(*_: Any) -> None:
        started.append(time.perf_counter())

    def after(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        timings.statements.append((_label(statement), time.perf_counter() - started.pop()))

    original = recording.flag_suspects

    def flag_suspects(*args: Any) -> None:
        start = time.perf_counter()
        original(*args)
        timings.flagging += time.perf_counter() - start

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    recording.flag_suspects = flag_suspects  # type: ignore[assignment]
    try:
        yield
    finally:
        recording.flag_suspects = original  # type: ignore[assignment]
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)


def _explain() -> None:
    """PostgreSQL: print the plan of each statement over 0.2 s, with its actual times (auto_explain)."""
    connection = db.session.connection().connection.driver_connection
    connection.add_notice_handler(lambda notice: print(notice.message_primary))
    for setting in (
        "LOAD 'auto_explain'",
        "SET auto_explain.log_min_duration = 200",
        "SET auto_explain.log_analyze = on",
        "SET auto_explain.log_nested_statements = on",
        "SET auto_explain.log_level = notice",
        "SET client_min_messages = notice",
    ):
        db.session.execute(sa.text(setting))


def run(url: str, instruments: int, years: int, explain: bool = False) -> bool:
    reset(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        flask_migrate.upgrade()
        start = time.perf_counter()
        scenario, s0 = build(instruments, years)
        built = time.perf_counter() - start
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(sa.text("VACUUM ANALYZE"))  # as autovacuum would have, on a live table
        else:
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        print(f"database: {db.engine.dialect.name} ({db.engine.url.render_as_string(hide_password=True)})")
        print(f"scenario: {scenario.events} events in {built:.1f} s: 1 S0 calibration, {LEVEL1} level-1 and")
        print(f"  {LEVEL2} level-2 standards calibrated yearly, {instruments} instruments verified")
        print(f"  {years} times with them")

        timings = Timings()
        with timed(timings):
            start = time.perf_counter()
            with system_transaction("bench") as actor:
                if explain and db.engine.dialect.name == "postgresql":
                    _explain()
                bad = recording.record_event(
                    actor,
                    {
                        "item": db.session.get(Item, s0),
                        "provider": "BENCH-NMI",
                        "kind": "calibration",
                        "performed_on": scenario.today,
                        "result": "pass",
                        "certificate_number": "BENCH-OOT-1",
                        "as_found_out_of_tolerance": True,
                    },
                )
            total = time.perf_counter() - start
        print(f"recording S0's out-of-tolerance calibration: {total:.2f} s,")
        print(f"  of which flag_suspects {timings.flagging:.2f} s; statements of 0.05 s or more:")
        for label, seconds in timings.statements:
            if seconds >= 0.05:
                print(f"  {seconds:7.2f} s  {label}")

        flagged = set(db.session.scalars(sa.select(Event.id).where(Event.suspect, Event.state == "current")))
        suspicions = db.session.scalar(sa.select(sa.func.count()).select_from(Suspicion)) or 0
        expected = scenario.expected
        print(f"flagged: {len(flagged)} events ({dict(scenario.by_level)}); expected {len(expected)};")
        print(f"  suspicions: {suspicions}; bad result flagged itself: {bad.id in flagged}")
        ok = flagged == expected and suspicions == len(expected)
        print("check:", "OK" if ok else "WRONG")
        db.engine.dispose()
    return ok


def main(argv: list[str] | None = None) -> int:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--instruments", type=int, default=20_000, help="instruments (default 20,000)")
    parser.add_argument("--explain", action="store_true", help="PostgreSQL: print the slow statements' plans")
    parser.add_argument("--years", type=int, default=5, help="verifications of each (default 5)")
    arguments = parser.parse_args(argv)
    if not arguments.url:
        parser.error("--url or BENCH_DATABASE_URL is required")
    return 0 if run(arguments.url, arguments.instruments, arguments.years, arguments.explain) else 1


if __name__ == "__main__":
    sys.exit(main())
