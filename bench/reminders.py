"""Benchmark: the ``reminders`` job over 1,000,000 items (issue 11). Target on PostgreSQL: the first run of
a day under 60 s, a second run the same day under 10 s.

Builds, directly in the database, 1,000 enterprises each with a manager, and N instruments cloned from one
template row set-based (``INSERT … SELECT … FROM generate_series``: PostgreSQL only), their valid_until
spread over 400 days around the run's day (so about a tenth fall due or overdue); then runs the real job
(``scheduler.jobs.run_job``) twice on the same day, timing each, and checks that the first run created one
row per item due and the second none.

Usage: ``.venv/bin/python -m bench.reminders [--url URL] [--items N]`` (default URL: ``$BENCH_DATABASE_URL``).
The database's ``public`` schema is DROPPED and re-created.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date

import flask_migrate
import sqlalchemy as sa

from bench.suspects import reset
from registry import create_app
from registry.auth.models import Role
from registry.extensions import db
from registry.items.models import Item
from registry.notifications.models import Notification
from scheduler.jobs import run_job
from tests.factories import InstrumentFactory, OrganisationFactory, user_with_role

DAY = date(2026, 6, 1)
OWNERS = 1000


def build(items: int) -> None:
    owners = [OrganisationFactory(code=f"BENCH-{n:04d}") for n in range(OWNERS)]
    for owner in owners:
        user_with_role(Role.ENTERPRISE_MANAGER, owner, email=f"manager{owner.code.lower()}@bench.vn")
    template = InstrumentFactory(owner=owners[0], serial_number="TEMPLATE", last_result="pass")
    db.session.flush()
    table = Item.__table__
    columns = [
        c.name for c in table.columns if c.name not in {"id", "owner_id", "serial_number", "valid_until"}
    ]
    listed = ", ".join(columns)
    first = min(owner.id for owner in owners)
    db.session.execute(
        # The column names come from the table's own metadata.
        sa.text(
            f"INSERT INTO items (owner_id, serial_number, valid_until, {listed}) "  # noqa: S608
            f"SELECT :first + g % :owners, 'B-' || g, CAST(:day AS date) + (g % 400 - 60), {listed} "
            "FROM items, generate_series(1, :n) AS g WHERE items.id = :template"
        ),
        {"first": first, "owners": OWNERS, "day": DAY, "n": items, "template": template.id},
    )
    db.session.commit()


def run(url: str, items: int) -> bool:
    reset(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            raise SystemExit("bench.reminders builds its items with generate_series: PostgreSQL only")
        flask_migrate.upgrade()
        start = time.perf_counter()
        build(items)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))
        print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
        print(
            f"scenario: {items} instruments of {OWNERS} owners built in {time.perf_counter() - start:.1f} s"
        )
        db.session.remove()

    timings = []
    results = []
    for _ in range(2):
        start = time.perf_counter()
        results.append(run_job(app, "reminders", DAY))
        timings.append(time.perf_counter() - start)
    for label, seconds, result in zip(("first run", "second run, same day"), timings, results, strict=True):
        print(f"{label}: {seconds:.2f} s  {result}")
    with app.app_context():
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) or 0
        # Due on DAY: valid_until within 30 days ahead, or overdue (each item at most one row).
        due = db.session.scalar(
            sa.select(sa.func.count()).where(
                Item.serial_number.like("B-%"), Item.valid_until <= sa.literal(DAY) + 30
            )
        )
        db.engine.dispose()
    ok = results[0]["notifications_created"] == rows == due and results[1]["notifications_created"] == 0
    print(f"ledger rows: {rows}; items due: {due}; check:", "OK" if ok else "WRONG")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--items", type=int, default=1_000_000, help="instruments (default 1,000,000)")
    arguments = parser.parse_args(argv)
    if not arguments.url:
        parser.error("--url or BENCH_DATABASE_URL is required")
    return 0 if run(arguments.url, arguments.items) else 1


if __name__ == "__main__":
    sys.exit(main())
