"""Writers at the same moment. Two saves of the same row: the database-level version check catches the
loser. Twenty writers released together against a real server on a real, committed database (SQLite with
its two writers, or PostgreSQL when DATABASE_URL says so): each answers 2xx or 409, never 500 ("database
is locked"), and what is stored adds up."""

from __future__ import annotations

import http.client
import itertools
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import flask_migrate
import pyotp
import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

from registry import create_app
from registry.audit.models import AuditEvent
from registry.auth import totp
from registry.auth.models import LoginAttempt, Role, TwoFactor, User
from registry.auth.policy import SystemActor
from registry.auth.services import create_api_token, create_user
from registry.auth.system import system_transaction
from registry.core.dates import local_today
from registry.core.models import utcnow
from registry.events.models import Event, EventState
from registry.events.recording import record_event
from registry.extensions import db
from registry.items.models import Instrument
from registry.items.services import create_instrument
from registry.organisations.credentials.services import create_credential
from registry.organisations.models import Organisation, Registration
from registry.organisations.services import create_organisation
from tests.factories import DEFAULT_PASSWORD, OrganisationFactory, user_with_role
from tests.helpers import csrf_token_from

T = TypeVar("T")
WRITERS = 20


def test_a_save_racing_another_answers_409_and_keeps_the_winner(app, client, auth, monkeypatch):
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    organisation = OrganisationFactory(code="RACE", name="Ban đầu")
    db.session.commit()
    auth.login(officer.email)
    token = csrf_token_from(client.get("/organisations/RACE/edit").get_data(as_text=True))

    from registry.organisations import services

    real_update = services.update_organisation

    def update_after_a_concurrent_save(actor, row, changes, **kwargs):
        # The other request commits between our version check and our flush.
        db.session.execute(
            sa.update(Organisation).where(Organisation.id == row.id).values(name="Người khác", version=2),
            execution_options={"synchronize_session": False},
        )
        return real_update(actor, row, changes, **kwargs)

    monkeypatch.setattr(
        "registry.organisations.views.services.update_organisation", update_after_a_concurrent_save
    )
    response = client.post(
        "/organisations/RACE/edit",
        data={"csrf_token": token, "name": "Tôi", "kinds": ["enterprise"], "reason": "Sửa", "version": "1"},
    )
    assert response.status_code == 409
    db.session.expire_all()
    # The request rolled back everything, the simulated concurrent save included: nothing half-written.
    assert db.session.get(Organisation, organisation.id).name == "Ban đầu"


# --- Twenty writers at once, against a real server ------------------------------------------------------


@dataclass
class Call:
    method: str
    path: str
    token: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class LiveServer:
    """The application served over HTTP by werkzeug in a thread (one thread per request), on its own
    migrated database: what a request commits stays committed."""

    app: Flask
    host: str
    port: int

    def committed(self, build: Callable[[SystemActor], T]) -> T:
        """``build(actor)`` through the services, as the system, in one committed transaction."""
        with self.app.app_context():
            try:
                with system_transaction("test") as actor:
                    return build(actor)
            finally:
                db.session.remove()

    def read(self, query: Callable[[], T]) -> T:
        with self.app.app_context():
            try:
                return query()
            finally:
                db.session.remove()

    def race(self, calls: list[Call]) -> list[tuple[int, Any]]:
        """Each call from its own thread and connection, all released at once: (status, JSON body) each."""
        barrier = threading.Barrier(len(calls), timeout=30)

        def send(call: Call) -> tuple[int, Any]:
            connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
            try:
                connection.connect()
                barrier.wait()
                connection.request(
                    call.method,
                    call.path,
                    body=json.dumps(call.body),
                    headers={
                        "Authorization": f"Bearer {call.token}",
                        "Content-Type": "application/json",
                        "Accept-Language": "en",
                        **call.headers,
                    },
                )
                response = connection.getresponse()
                text = response.read().decode()
            finally:
                connection.close()
            try:
                return response.status, json.loads(text)
            except ValueError:
                return response.status, text

        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            return list(pool.map(send, calls))


@pytest.fixture(scope="module")
def server(live_database_url: str) -> Iterator[LiveServer]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": live_database_url})
    with app.app_context():
        flask_migrate.upgrade()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, httpd.host, httpd.port)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


_tenants = itertools.count(1)


@dataclass
class Tenant:
    """A lab registered for calibration and an enterprise with instruments in internal use (calibrated
    every 12 months); one user, the lab's technician or the enterprise's manager, and an API token."""

    token: str
    user_id: int
    owner: str
    serials: list[str]
    instrument_ids: list[int]


def new_tenant(server: LiveServer, instruments: int, role: Role = Role.PROVIDER_TECHNICIAN) -> Tenant:
    number = next(_tenants)

    def build(actor: SystemActor) -> Tenant:
        lab = create_organisation(
            actor, code=f"RACE-LAB-{number}", name=f"Phòng đo lường {number}", kinds=["provider"]
        )
        owner = create_organisation(
            actor, code=f"RACE-DN-{number}", name=f"Doanh nghiệp {number}", kinds=["enterprise"]
        )
        create_credential(
            actor,
            Registration,
            lab,
            {
                "certificate_number": f"{number}/ĐK-TĐC",
                "services": ["calibration"],
                "fields": "Đo lường khối lượng",
                "issued_on": date(2020, 1, 1),
            },
        )
        user = create_user(
            actor,
            f"user{number}@race.example.vn",
            organisation=lab if role == Role.PROVIDER_TECHNICIAN else owner,
            roles={role},
            password=DEFAULT_PASSWORD,
        )
        rows = [
            create_instrument(
                actor,
                {
                    "owner": owner.code,
                    "type_code": "BALANCE_PRECISION",
                    "serial_number": f"CAN-{index:02d}",
                    "use": "internal",
                    "interval_months": 12,
                },
            )
            for index in range(instruments)
        ]
        db.session.flush()
        return Tenant(
            token=create_api_token(actor, user),
            user_id=user.id,
            owner=owner.code,
            serials=[row.serial_number for row in rows],
            instrument_ids=[row.id for row in rows],
        )

    return server.committed(build)


def calibration(server: LiveServer, owner: str, serial: str, certificate: str) -> dict[str, Any]:
    performed_on = server.read(local_today) - timedelta(days=3)
    return {
        "owner": owner,
        "serial_number": serial,
        "kind": "calibration",
        "performed_on": performed_on.isoformat(),
        "result": "pass",
        "certificate_number": certificate,
    }


def statuses(responses: list[tuple[int, Any]]) -> Counter[int]:
    """The answers counted by status; a 5xx fails the test at once, with what it answered."""
    counts = Counter(status for status, _ in responses)
    failed = [body for status, body in responses if status >= 500]
    assert not failed, f"{dict(counts)}; the first 5xx answered: {failed[0]}"
    assert counts.total() == WRITERS
    return counts


def assert_conflicts(responses: list[tuple[int, Any]]) -> None:
    """Every 409 says the version changed underneath."""
    for status, body in responses:
        if status == 409:
            assert body["error"]["code"] == "conflict" and "version" in body["error"]["fields"], body


def updates_of(table: str, row_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.table_name == table,
                AuditEvent.row_id == str(row_id),
                AuditEvent.action == "update",
            )
        )
    )


@pytest.mark.live_server
def test_twenty_events_recorded_at_once_on_twenty_instruments_are_all_stored(server):
    tenant = new_tenant(server, WRITERS)
    calls = [
        Call("POST", "/api/v1/events", tenant.token, calibration(server, tenant.owner, serial, f"GCN-{i}"))
        for i, serial in enumerate(tenant.serials)
    ]
    responses = server.race(calls)
    assert statuses(responses) == {201: WRITERS}

    def stored() -> tuple[list[int], list[Instrument]]:
        events = db.session.scalars(sa.select(Event.item_id).where(Event.item_id.in_(tenant.instrument_ids)))
        items = db.session.scalars(sa.select(Instrument).where(Instrument.id.in_(tenant.instrument_ids)))
        return sorted(events), list(items)

    event_items, instruments = server.read(stored)
    assert event_items == sorted(tenant.instrument_ids)  # one event each, none lost, none twice
    assert sorted(body["item"] for _, body in responses) == sorted(tenant.instrument_ids)
    # Each item's validity follows its event, in the same transaction.
    assert all(item.valid_until is not None and item.last_result == "pass" for item in instruments)


@pytest.mark.live_server
def test_twenty_retries_of_one_event_with_one_idempotency_key_record_it_once(server):
    tenant = new_tenant(server, 1)
    body = calibration(server, tenant.owner, tenant.serials[0], "GCN-1")
    retry = Call("POST", "/api/v1/events", tenant.token, body, {"Idempotency-Key": "9b2f7c1e-retry"})
    responses = server.race([retry] * WRITERS)
    assert statuses(responses) == {201: WRITERS}
    assert len({answer["id"] for _, answer in responses}) == 1  # every retry got the first answer

    def recorded() -> int | None:
        return db.session.scalar(
            sa.select(sa.func.count(Event.id)).where(Event.item_id == tenant.instrument_ids[0])
        )

    assert server.read(recorded) == 1


@pytest.mark.live_server
def test_twenty_saves_of_one_instrument_with_the_same_version_keep_one(server):
    tenant = new_tenant(server, 1, Role.ENTERPRISE_MANAGER)
    [item_id] = tenant.instrument_ids
    version = server.read(lambda: db.session.get(Instrument, item_id).version)
    calls = [
        Call(
            "PATCH",
            f"/api/v1/instruments/{item_id}",
            tenant.token,
            {"manufacturer": f"Hãng {i}", "reason": "Sửa hãng", "version": version},
        )
        for i in range(WRITERS)
    ]
    responses = server.race(calls)
    assert statuses(responses) == {200: 1, 409: WRITERS - 1}
    assert_conflicts(responses)
    [winner] = [body for status, body in responses if status == 200]

    def stored() -> tuple[Instrument, list[AuditEvent]]:
        return db.session.get(Instrument, item_id), updates_of("items", item_id)

    instrument, updates = server.read(stored)
    assert (instrument.version, instrument.manufacturer) == (version + 1, winner["manufacturer"])
    assert winner["version"] == version + 1
    assert len(updates) == 1 and updates[0].new_values["manufacturer"] == winner["manufacturer"]


@pytest.mark.live_server
@pytest.mark.parametrize("action", ["void", "amend"])
def test_twenty_voids_or_amendments_of_one_event_with_the_same_version_keep_one(server, action):
    tenant = new_tenant(server, 1)
    body = calibration(server, tenant.owner, tenant.serials[0], "GCN-1")

    def record(actor: SystemActor) -> tuple[int, int]:
        technician = db.session.get(User, tenant.user_id)
        event = record_event(technician, body)
        db.session.flush()
        return event.id, event.version

    event_id, version = server.committed(record)
    changes = {"technician": "Người khác"} if action == "amend" else {}
    calls = [
        Call(
            "POST",
            f"/api/v1/events/{event_id}/{action}",
            tenant.token,
            {"reason": f"Lần {i}", "version": version} | changes,
        )
        for i in range(WRITERS)
    ]
    responses = server.race(calls)
    done = 200 if action == "void" else 201
    assert statuses(responses) == {done: 1, 409: WRITERS - 1}
    assert_conflicts(responses)

    def stored() -> tuple[Event, list[Event], list[AuditEvent], Instrument]:
        revisions = db.session.scalars(sa.select(Event).where(Event.original_id == event_id))
        item = db.session.get(Instrument, tenant.instrument_ids[0])
        return db.session.get(Event, event_id), list(revisions), updates_of("events", event_id), item

    event, revisions, updates, instrument = server.read(stored)
    assert event.version == version + 1 and len(updates) == 1
    if action == "void":
        assert (event.state, revisions) == (EventState.VOID.value, [])
        assert instrument.valid_until is None  # the void event no longer counts
    else:
        assert event.state == EventState.AMENDED.value
        assert [(row.revision, row.technician, row.state) for row in revisions] == [
            (1, "Người khác", EventState.CURRENT.value)
        ]
        assert instrument.valid_until is not None


@pytest.mark.live_server
def test_twenty_registrations_of_the_same_instrument_at_once_store_one(server):
    """The rule (one serial number per owner and type) is the service's; on PostgreSQL the requests that
    checked it before the first one committed are stopped by the database's unique key: 409, not 500."""
    tenant = new_tenant(server, 0, Role.ENTERPRISE_MANAGER)
    body = {
        "type_code": "BALANCE_PRECISION",
        "serial_number": "CAN-1",
        "use": "internal",
        "interval_months": 12,
    }
    responses = server.race([Call("POST", "/api/v1/instruments", tenant.token, body)] * WRITERS)
    counts = statuses(responses)
    assert counts[201] == 1 and counts[409] + counts[422] == WRITERS - 1, counts
    for status, answer in responses:
        if status == 422:
            assert set(answer["error"]["fields"]) == {"serial_number"}, answer
        elif status == 409:
            assert answer["error"]["code"] == "conflict", answer

    def stored() -> int | None:
        owner = sa.select(Organisation.id).where(Organisation.code == tenant.owner).scalar_subquery()
        return db.session.scalar(sa.select(sa.func.count(Instrument.id)).where(Instrument.owner_id == owner))

    assert server.read(stored) == 1


@pytest.mark.live_server
def test_twenty_wrong_codes_at_once_are_counted_one_after_another(server):
    """Throttling holds under a burst: each attempt on an account waits for the one before it, so no more
    wrong codes are checked than the free ones (PostgreSQL would otherwise check them all at once)."""
    tenant = new_tenant(server, 1)
    (status, event), *_ = server.race(
        [
            Call(
                "POST",
                "/api/v1/events",
                tenant.token,
                calibration(server, tenant.owner, tenant.serials[0], "GCN-1"),
            )
        ]
    )
    assert status == 201, event
    secret = totp.new_secret()

    def enrol(actor: SystemActor) -> str:
        user = db.session.get(User, tenant.user_id)
        assert user is not None
        user.two_factor = TwoFactor(secret=secret, confirmed_at=utcnow(), last_success_at=utcnow())
        return user.email

    email = server.committed(enrol)
    now = datetime.now(UTC)
    valid = {pyotp.TOTP(secret).at(now + drift * timedelta(seconds=30)) for drift in (-1, 0, 1, 2)}
    wrong = next(f"{n:06d}" for n in range(10) if f"{n:06d}" not in valid)
    sign = {"meaning": "performed", "password": DEFAULT_PASSWORD, "code": wrong}

    responses = server.race(
        [Call("POST", f"/api/v1/events/{event['id']}/sign", tenant.token, sign)] * WRITERS
    )

    assert statuses(responses) == {422: WRITERS}

    def failures() -> int | None:
        return db.session.scalar(sa.select(sa.func.count(LoginAttempt.id)).where(LoginAttempt.email == email))

    assert server.read(failures) == server.app.config["LOGIN_FREE_FAILURES"]
