"""Benchmark: each role's home page, the inspection list and the registry-wide search over 1,000,000
instruments (issue 14). Target on PostgreSQL: each panel's queries well under a second.

Builds, directly in the database, 1,000 enterprises and N instruments cloned set-based from one template
(``INSERT … SELECT … FROM generate_series``: PostgreSQL only), their validity spread over 400 days around
the day, a tenth never verified, in the 2021 districts; one lab that served every tenth instrument (one
event each, cloned the same way). Then times each service the home pages call, as the enterprise's
manager, the lab's technician and a Department officer.

Usage: ``.venv/bin/python -m bench.homes [--url URL] [--items N]`` (default URL: ``$BENCH_DATABASE_URL``).
The database's ``public`` schema is DROPPED and re-created.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import flask_migrate
import sqlalchemy as sa

from bench.suspects import reset
from registry import create_app
from registry.auth.models import Role, User
from registry.catalogue.models import AdminUnit
from registry.core.dates import today_is
from registry.events.models import Event
from registry.extensions import db
from registry.home import search, services
from registry.home.organisation import overview
from registry.items.models import Item, ItemKind
from registry.items.services import status_tally
from registry.notifications.entries import entries
from registry.notifications.services import inbox
from tests.factories import InstrumentFactory, OrganisationFactory, lab_with_credentials, user_with_role

DAY = date(2026, 6, 1)
OWNERS = 1000


def _clone(
    table: sa.Table, template_id: int, varying: dict[str, str], n: int, params: dict[str, Any]
) -> None:
    columns = [c.name for c in table.columns if c.name != "id" and c.name not in varying]
    listed = ", ".join(columns)
    # Column names come from the table's own metadata; the varying expressions are this module's.
    db.session.execute(
        sa.text(
            f"INSERT INTO {table.name} ({', '.join(varying)}, {listed}) "  # noqa: S608
            f"SELECT {', '.join(varying.values())}, {listed} "
            f"FROM {table.name}, generate_series(1, :n) AS g WHERE {table.name}.id = :template"
        ),
        {"n": n, "template": template_id, **params},
    )


def build(items: int) -> dict[str, User]:
    owners = [OrganisationFactory(code=f"BENCH-{n:04d}") for n in range(OWNERS)]
    # Owner 1 (owner 0's instruments are all never verified: every thousandth is).
    manager = user_with_role(Role.ENTERPRISE_MANAGER, owners[1], email="manager@bench.vn")
    lab = lab_with_credentials(code="BENCH-LAB")
    technician = user_with_role(Role.PROVIDER_TECHNICIAN, lab, email="technician@bench.vn")
    officer = user_with_role(Role.DEPARTMENT_OFFICER, email="officer@bench.vn")
    districts = db.session.scalars(sa.select(AdminUnit.id).where(AdminUnit.level == "district")).all()
    template = InstrumentFactory(owner=owners[0], serial_number="TEMPLATE", last_result="pass")
    db.session.flush()
    first = min(owner.id for owner in owners)
    _clone(
        Item.__table__,
        template.id,
        {
            "owner_id": ":first + g % :owners",
            "serial_number": "'B-' || g",
            "serial_key": "'b-' || g",
            "valid_until": "CASE WHEN g % 10 = 0 THEN NULL ELSE CAST(:day AS date) + (g % 400 - 60) END",
            "last_result": "CASE WHEN g % 10 = 0 THEN NULL ELSE 'pass' END",
            "site_admin_unit_id": f"(ARRAY{list(districts)})[1 + g % {len(districts)}]",
        },
        items,
        {"first": first, "owners": OWNERS, "day": DAY},
    )
    # Fresh statistics, so that each event's item is found through the serial_key index.
    db.session.execute(sa.text("ANALYZE items"))
    event = Event(
        item_id=template.id, provider_id=lab.id, kind="verification_periodic", performed_on=DAY,
        result="pass", certificate_number="TEMPLATE", stamp_number="TEMPLATE",
    )  # fmt: skip
    db.session.add(event)
    db.session.flush()
    _clone(
        Event.__table__,
        event.id,
        {
            "item_id": "(SELECT id FROM items WHERE serial_key = 'b-' || (g * 10 + 1))",
            "performed_on": "CAST(:day AS date) - (g % 365)",
            "certificate_number": "'C-' || g",
            "stamp_number": "'S-' || g",
            "verification_token": "md5(g::text)",
        },
        items // 10 - 1,
        {"day": DAY},
    )
    db.session.commit()
    return {"enterprise": manager, "lab": technician, "department": officer}


def timed(label: str, call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - start
    size = len(result) if hasattr(result, "__len__") else ""
    print(f"  {label:<42} {seconds * 1000:8.1f} ms  {size}")
    return seconds


def run(url: str, items: int, *, again: bool = False) -> bool:
    if not again:
        reset(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            raise SystemExit("bench.homes builds its rows with generate_series: PostgreSQL only")
        flask_migrate.upgrade()
        if again:
            emails = {
                "enterprise": "manager@bench.vn",
                "lab": "technician@bench.vn",
                "department": "officer@bench.vn",
            }
            ids = {
                role: db.session.scalar(sa.select(User.id).where(User.email == e))
                for role, e in emails.items()
            }
        else:
            start = time.perf_counter()
            users = build(items)
            ids = {role: user.id for role, user in users.items()}
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(sa.text("VACUUM ANALYZE"))
            built = time.perf_counter() - start
            print(f"scenario: {items} instruments of {OWNERS} owners built in {built:.1f} s")
        db.session.remove()
    slowest = 0.0
    with app.test_request_context("/"), today_is(DAY):
        enterprise, lab, department = (
            db.session.get(User, ids[role]) for role in ("enterprise", "lab", "department")
        )
        assert enterprise and lab and department
        print("enterprise home:")
        checks = [
            ("status counts", lambda: status_tally(enterprise, ItemKind.INSTRUMENT)),
            ("needing action", lambda: services.needing_action(enterprise, DAY)),
            ("due timeline (90 days)", lambda: services.due_timeline(enterprise, DAY).weeks),
            ("recent certificates", lambda: services.recent_certificates(enterprise)),
            ("notifications", lambda: entries(inbox(enterprise, limit=5), DAY)),
            ("organisation page", lambda: overview(enterprise, enterprise.organisation).events),
        ]
        slowest = max(slowest, *(timed(label, call) for label, call in checks))
        print("lab home:")
        checks = [
            ("work queue (60 days)", lambda: services.work_queue(lab, DAY).items),
            ("standards needing care", lambda: services.standards_needing_care(lab, DAY)),
            ("credentials", lambda: services.own_credentials(lab, DAY)),
            ("recent events", lambda: services.recent_events(lab)),
            ("organisation page", lambda: overview(lab, lab.organisation).events),
        ]
        slowest = max(slowest, *(timed(label, call) for label, call in checks))
        print("department:")
        checks = [
            ("status counts (every instrument)", lambda: status_tally(department, ItemKind.INSTRUMENT)),
            ("inspection list (all districts)", lambda: services.inspection_units(department, DAY)),
            ("pending credentials", lambda: services.pending(department)[0]),
            ("search: organisation", lambda: search.search_registry(department, "BENCH-0007").organisations),
            ("search: serial number", lambda: search.search_registry(department, "b-123457").instruments),
            ("search: certificate number", lambda: search.search_registry(department, "C-4242").certificates),
            ("search: stamp number", lambda: search.search_registry(department, "S-4242").stamps),
        ]
        slowest = max(slowest, *(timed(label, call) for label, call in checks))
        db.session.remove()
    with app.app_context():
        db.engine.dispose()
    print(f"slowest: {slowest * 1000:.0f} ms")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--items", type=int, default=1_000_000, help="instruments (default 1,000,000)")
    parser.add_argument("--again", action="store_true", help="time again over the rows a previous run built")
    arguments = parser.parse_args(argv)
    if not arguments.url:
        parser.error("--url or BENCH_DATABASE_URL is required")
    return 0 if run(arguments.url, arguments.items, again=arguments.again) else 1


if __name__ == "__main__":
    sys.exit(main())
