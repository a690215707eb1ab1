"""The registry at scale (issue 15): ``python -m bench --instruments N [--url URL] [--json]``.

Builds the data with ``demo generate`` in the database given (which is WIPED: PostgreSQL's public schema,
or SQLite's file), with a Department and its officer, and a lab with its technician's API token; then
measures each operation through the application and as the hand-written SQL giving the same rows (the
floor), median of 5 after one warm-up run, and the time of the SQL the application issued meanwhile.
One JSON object per operation: {"name", "instruments", "app_ms", "sql_ms", "app_sql_ms", "ratio",
"per_s"} (bench/README.md). Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from typing import Any

import click
import flask_migrate
import sqlalchemy as sa
from flask import Flask

from bench import pages, throughput
from bench.measure import Result, SqlClock, app_time, sql_time
from bench.suspects import reset
from registry import create_app
from registry.auth.models import Role
from registry.auth.services import create_api_token
from registry.auth.system import system_transaction
from registry.core.dates import local_today
from registry.demo.generate import generate
from registry.extensions import db
from scheduler.jobs import run_job
from tests.factories import (
    DEFAULT_PASSWORD,
    DesignationFactory,
    OrganisationFactory,
    VerifierFactory,
    lab_with_credentials,
    user_with_role,
)

OFFICER = "officer@bench.vn"
TECHNICIAN = "technician@bench.vn"
LAB = "BENCH-API"
VERIFIER = "KĐV-BENCH-API-ALL"
TYPES = (
    "WATER_METER_MECH",
    "FUEL_DISPENSER",
    "SCALE_SPRING_DIAL",
    "SCALE_PLATFORM_COUNTER",
    "ENERGY_METER_1P_ELEC",
)
POSTS = 400
DUE = """SELECT i.id, i.owner_id, i.valid_until FROM items i
WHERE i.state = 'in_service' AND i.valid_until IS NOT NULL AND i.valid_until <= :soon"""


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def build(app: Flask, instruments: int, today: date) -> dict[str, Any]:
    """The data, and what the measurements need of it: the largest owner, a serial number to search for,
    the API token, the fuel dispensers (the lab's designated type) to record on."""
    with app.app_context():
        flask_migrate.upgrade()
        department = OrganisationFactory(department=True, code="SKHCN-BENCH")
        user_with_role(Role.DEPARTMENT_OFFICER, department, email=OFFICER)
        lab = lab_with_credentials(code=LAB)
        # Designated, with a verifier, for the types most instruments are of, so that any may be posted.
        DesignationFactory(
            organisation=lab,
            valid_from=date(2020, 1, 1),
            scope=[{"type_code": c, "range": ""} for c in TYPES],
        )
        VerifierFactory(organisation=lab, card_number=VERIFIER, type_codes=list(TYPES))
        technician = user_with_role(Role.PROVIDER_TECHNICIAN, lab, email=TECHNICIAN)
        db.session.commit()
        start = time.perf_counter()
        with (
            system_transaction("demo-generate") as actor,
            click.progressbar(length=instruments, label="generating", show_eta=True, file=sys.stderr) as bar,
        ):
            counts = generate(actor, instruments, today=today, progress=bar.update)
        built = time.perf_counter() - start
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(sa.text("VACUUM ANALYZE"))  # as autovacuum would have, on a live table
        token = create_api_token(technician, technician)
        lab_id = lab.id
        db.session.commit()
        owner = db.session.execute(
            sa.text(
                "SELECT o.id, o.code FROM items i JOIN organisations o ON o.id = i.owner_id "
                "GROUP BY o.id, o.code ORDER BY count(*) DESC LIMIT 1"
            )
        ).one()
        serial = db.session.scalar(
            sa.text(
                "SELECT serial_number FROM items WHERE kind = 'instrument' ORDER BY id LIMIT 1 OFFSET :n"
            ),
            {"n": instruments // 2},
        )
        dispensers = db.session.execute(
            sa.text(
                "SELECT i.id, o.code, t.code, i.serial_number FROM items i "
                "JOIN instrument_types t ON t.id = i.type_id JOIN organisations o ON o.id = i.owner_id "
                "WHERE t.code IN :types AND i.use = 'legal' AND i.state = 'in_service' "
                "AND i.needs_reverification = false ORDER BY i.id LIMIT :n"
            ).bindparams(sa.bindparam("types", expanding=True)),
            {"n": POSTS + 2 + 200, "types": list(TYPES)},
        ).all()
        db.session.remove()
    say(
        f"built in {built:.0f} s: {counts.instruments} instruments, {counts.organisations} organisations, "
        f"{counts.events} events"
    )
    return {
        "owner": (owner[0], owner[1]),
        "serial": serial,
        "token": token,
        "lab": lab_id,
        "dispensers": [tuple(row) for row in dispensers],
        "generated_s": built,
        "events": counts.events,
    }


def reminders(app: Flask, instruments: int, today: date) -> list[Result]:
    with app.app_context():
        engine = db.engine
        clock = SqlClock(engine)
        with clock.running():
            start = time.perf_counter()
            first = run_job(app, "reminders", today)
            first_ms = (time.perf_counter() - start) * 1000
        again_ms, again_sql_ms = app_time(engine, lambda: run_job(app, "reminders", today))
        floor = sql_time(engine, DUE, {"soon": date.fromordinal(today.toordinal() + 30)})
    note = f"first run of the day: {json.dumps(first, default=str)[:120]}"
    return [
        Result(
            "reminders job: first run of a day", instruments, first_ms, floor, clock.seconds * 1000, note=note
        ).finish(),
        Result("reminders job: again the same day", instruments, again_ms, floor, again_sql_ms).finish(),
    ]


def suspects(app: Flask, instruments: int) -> Result:
    """bench/suspects.py's scenario (three levels of standards, ``instruments`` verified five times) beside
    the generated data; S0's calibration found out of tolerance recorded through the service."""
    from bench import suspects as scenario
    from registry.events import recording
    from registry.items.models import Item

    size = min(instruments, 20_000)
    with app.app_context():
        built, s0 = scenario.build(size, 5)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(sa.text("VACUUM ANALYZE"))
        timings = scenario.Timings()
        with scenario.timed(timings):
            start = time.perf_counter()
            with system_transaction("bench") as actor:
                recording.record_event(actor, {
                    "item": db.session.get(Item, s0), "provider": "BENCH-NMI", "kind": "calibration",
                    "performed_on": built.today, "result": "pass", "certificate_number": "BENCH-OOT-1",
                    "as_found_out_of_tolerance": True,
                })  # fmt: skip
            total = (time.perf_counter() - start) * 1000
        flagged = db.session.scalar(sa.text("SELECT count(*) FROM events WHERE suspect"))
        db.session.remove()
    ok = flagged == len(built.expected)
    note = f"{built.events} events in the chain, {flagged} flagged ({'OK' if ok else 'WRONG'}); one run"
    sql = sum(seconds for _, seconds in timings.statements) * 1000
    return Result(
        "suspect propagation (one standard, 3 levels)", instruments, total, None, sql, note=note
    ).finish()


def run(url: str, instruments: int, deep: int, emit: Any) -> None:
    reset(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "API_RATE_LIMIT_PER_MINUTE": 1_000_000})
    with app.app_context():
        today = local_today()
    facts = build(app, instruments, today)
    seconds = facts["generated_s"]
    note = f"{facts['events']} events"
    emit(
        Result("demo generate", instruments, seconds * 1000, per_s=instruments / seconds, note=note).finish()
    )
    client = pages.log_in(app, OFFICER, DEFAULT_PASSWORD)
    for page in pages.pages(client, today, deep, facts["owner"], facts["serial"]):
        say(f"measuring {page.name}")
        emit(pages.measure(app, client, instruments, page))
    say("measuring the reminders job")
    for result in reminders(app, instruments, today):
        emit(result)
    say("measuring POST /api/v1/events")
    items = facts["dispensers"]
    bodies = [
        {"owner": owner, "type_code": type_code, "serial_number": serial, "kind": "verification_periodic",
         "performed_on": today.isoformat(), "result": "pass", "certificate_number": f"BENCH-API-{n}",
         "stamp_number": f"BS-{n}", "verifier": VERIFIER}
        for n, (_id, owner, type_code, serial) in enumerate(items[: POSTS + 2])
    ]  # fmt: skip
    posted = throughput.events_per_second(url, facts["token"], bodies, instruments)
    if len(items) > POSTS + 50:  # the floor writes on instruments the application did not
        with app.app_context():
            floor = throughput.floor_per_second(
                db.engine, facts["lab"], [row[0] for row in items[POSTS + 2 :]], today
            )
        posted.sql_ms = 1000 / floor
    emit(posted.finish())
    if "import" in app.cli.commands:
        emit(
            Result(
                "import 100,000 instruments",
                instruments,
                note="not measured: command present, format unknown here",
            )
        )
    else:
        emit(Result("import 100,000 instruments", instruments, note="skipped: no `flask import` command"))
    say("measuring suspect propagation")
    emit(suspects(app, instruments))
    with app.app_context():
        db.engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--instruments", type=int, default=10_000, help="instruments (default 10,000)")
    parser.add_argument("--deep", type=int, default=50, help="Next links followed to the deep page (50)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line (else a table)")
    arguments = parser.parse_args(argv)
    if not arguments.url:
        parser.error("--url or BENCH_DATABASE_URL is required (its data is wiped)")

    def emit(result: Result) -> None:
        if arguments.json:
            print(json.dumps(result.as_json(), ensure_ascii=False), flush=True)
        else:
            cells = [result.app_ms, result.sql_ms, result.app_sql_ms, result.ratio, result.per_s]
            shown = " | ".join("" if cell is None else f"{cell:,}" for cell in cells)
            print(f"| {result.name} | {shown} | {result.note} |", flush=True)

    if not arguments.json:
        print("| operation | app ms | hand SQL ms | app's SQL ms | app / SQL | per s | note |")
        print("|---|---|---|---|---|---|---|")
    run(arguments.url, arguments.instruments, arguments.deep, emit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
