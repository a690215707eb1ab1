"""Benchmark: importing 100,000 instruments from one CSV file (issue 14). Target: under 60 s, on
PostgreSQL and on SQLite.

Writes a CSV (UTF-8 with BOM, the template's Vietnamese headers) of N rows over a dozen types and all the
columns a real list fills, then runs the real path of ``flask import instruments`` — ``read_sheet`` and
``import_sheet`` as a ``SystemActor`` in ``command_transaction`` — timing reading, and checking plus
inserting, and checks the result: N new items, their derived columns, and one audit entry per batch
from which every row's version replays.

Usage: ``.venv/bin/python -m bench.import [--url URL] [--rows N]`` (default URL: ``$BENCH_DATABASE_URL``).
The database is WIPED (see bench/README.md).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import time

import flask_migrate
import sqlalchemy as sa

from bench.suspects import reset
from registry import create_app
from registry.audit.models import AuditEvent
from registry.audit.services import BATCH_CREATE, versions
from registry.auth.system import command_transaction
from registry.extensions import db
from registry.imports.columns import HEADERS
from registry.imports.reading import read_sheet
from registry.imports.services import BATCH, import_sheet, target
from registry.items.models import Item
from tests.factories import OrganisationFactory

TYPES = [
    "WATER_METER_MECH", "FUEL_DISPENSER", "TAXIMETER", "SCALE_PLATFORM_COUNTER", "SPHYGMOMANOMETER",
    "SCALE_SPRING_DIAL", "TANK_GAUGE", "BALANCE_PRECISION", "SCALE_VEHICLE", "CAPACITY_MEASURE",
]  # fmt: skip


def csv_file(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([HEADERS[name] for name in HEADERS])
    for n in range(rows):
        values = {
            "type_code": TYPES[n % len(TYPES)],
            "serial_number": f"BENCH-{n:07d}",
            "manufacturer": "Công ty Đồng hồ Việt",
            "model": f"DH-{n % 37}",
            "measuring_range": "0-100 m³/h",
            "accuracy_class": "B",
            "use": "legal",
            "site_address": f"Số {n % 500} đường Trần Phú",
            "acquired_on": f"{(n % 28) + 1:02d}/0{(n % 9) + 1}/2023",
            "notes": "Nhập từ danh sách",
        }
        writer.writerow([values.get(name, "") for name in HEADERS])
    return ("\ufeff" + out.getvalue()).encode()


def run(url: str, rows: int) -> int:
    reset(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        flask_migrate.upgrade()
        OrganisationFactory(code="BENCH-ENT")
        db.session.commit()
        content = csv_file(rows)
        print(f"{db.engine.dialect.name}: {rows:,} rows, {len(content) / 1e6:.1f} MB")
        start, cpu = time.perf_counter(), time.process_time()
        with command_transaction() as actor:
            sheet = read_sheet("bench.csv", content)
            read = time.perf_counter()
            outcome = import_sheet(actor, target(actor, "BENCH-ENT"), sheet, reason="Benchmark import.")
        end, cpu = time.perf_counter(), time.process_time() - cpu
        print(
            f"read {read - start:.1f} s, checked and inserted {end - read:.1f} s, total {end - start:.1f} s"
        )
        # On a shared machine the wall time counts the waits for a core; the process's CPU time does not.
        print(f"CPU time of the import: {cpu:.1f} s")
        items = db.session.scalar(sa.select(sa.func.count(Item.id)))
        batches = db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == BATCH_CREATE)
        )
        last = db.session.scalars(sa.select(Item).order_by(Item.id.desc()).limit(1)).one()
        replayed = versions("items", last.id)
        ok = (
            outcome.imported == rows
            and items == rows
            and batches == -(-rows // BATCH)
            and last.serial_key == last.serial_number.lower()
            and "dong ho viet" in last.search_text
            and len(replayed) == 1
            and replayed[0]["serial_number"] == last.serial_number
        )
        print(f"{items:,} items, {batches} audit entries; checks {'passed' if ok else 'FAILED'}")
        return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the file (default 100,000)")
    arguments = parser.parse_args(argv)
    if not arguments.url:
        parser.error("--url or BENCH_DATABASE_URL is required")
    return run(arguments.url, arguments.rows)


if __name__ == "__main__":
    sys.exit(main())
