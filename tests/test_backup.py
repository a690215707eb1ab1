"""`flask --app wsgi backup PATH` and `restore PATH`: a backup taken while the registry writes restores to a
database that passes its integrity checks, holds exactly one moment of the source (every transaction
committed before it, none after), and whose audit trail replays every version as the source's did."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask

from registry import create_app
from registry.audit.models import AuditEvent
from registry.audit.services import versions
from registry.auth.models import Role, User
from registry.auth.system import system_transaction
from registry.core.models import Audited
from registry.events.models import Event, EventState
from registry.events.revisions import amend_event
from registry.extensions import db
from registry.items.models import Instrument, Item
from registry.items.services import update_item
from tests.factories import (
    InstrumentFactory,
    StandardFactory,
    lab_with_credentials,
    record_verification,
    user_with_role,
)

State = dict[str, int]


def _counts() -> State:
    connection = db.session.connection()
    return {
        table: connection.scalar(sa.select(sa.func.count()).select_from(sa.table(table))) or 0
        for table in sorted(sa.inspect(connection).get_table_names())
    }


def _last_audit_id() -> int:
    return db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0


@pytest.fixture
def source(separate_database: Any, committing_sessions: None) -> Iterator[Flask]:
    """A registry with a lab, its standard, and instruments with verifications recorded through the
    services, committed."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": separate_database("backup_source")})
    with app.app_context():
        flask_migrate.upgrade()
        lab = lab_with_credentials(code="TTKT-BK")
        technician = user_with_role(Role.PROVIDER_TECHNICIAN, lab)
        standard = StandardFactory(owner=lab, valid=True)
        for _ in range(6):
            record_verification(technician, InstrumentFactory(), standards_used=[standard])
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


class Writer(threading.Thread):
    """Keeps writing through the services, one transaction at a time — amending an event, changing an
    instrument, recording a verification of a new instrument — and notes, after each commit, the last
    audit id and every table's row count: the states a consistent backup may hold."""

    def __init__(self, app: Flask) -> None:
        super().__init__(daemon=True)
        self.app = app
        self.stop = threading.Event()
        self.states: dict[int, State] = {}
        self.error: BaseException | None = None

    def run(self) -> None:
        with self.app.app_context():
            try:
                self.states[_last_audit_id()] = _counts()
                db.session.rollback()
                n = 0
                while not self.stop.is_set():
                    with system_transaction("writer") as actor:
                        self.write(actor, n)
                        state = (_last_audit_id(), _counts())
                    self.states[state[0]] = state[1]
                    n += 1
            except BaseException as error:
                self.error = error
            finally:
                db.session.remove()

    def write(self, actor: Any, n: int) -> None:
        if n % 3 == 0:
            events = db.session.scalars(sa.select(Event).where(Event.state == EventState.CURRENT.value))
            event = list(events)[n % 5]
            amend_event(actor, event, {"stamp_number": f"T-{n}"}, reason=f"Tem số {n}", version=None)
        elif n % 3 == 1:
            instrument = list(db.session.scalars(sa.select(Instrument).order_by(Instrument.id)))[n % 4]
            update_item(actor, instrument, {"manufacturer": f"Hãng {n}"}, reason="Đúng hãng", version=None)
        else:
            technician = db.session.scalar(sa.select(User).order_by(User.id))
            standard = db.session.scalar(sa.select(Item).where(Item.kind == "standard"))
            assert technician is not None and standard is not None
            record_verification(technician, InstrumentFactory(), standards_used=[standard])

    def wait_for(self, commits: int) -> None:
        deadline = time.monotonic() + 60
        while len(self.states) < commits and self.error is None:
            assert time.monotonic() < deadline, "the writer made no progress"
            time.sleep(0.02)

    def finish(self) -> None:
        self.stop.set()
        self.join(timeout=60)
        if self.error is not None:
            raise self.error


def _jsonable(value: Any) -> Any:
    """A stored value as the audit trail writes it (numbers as Decimal, compared by value below)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _as_stored(version: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    """A rebuilt version with its numbers read as the row's (the trail keeps 0 as written, the
    database 0.00)."""
    return {
        key: Decimal(value) if isinstance(row.get(key), Decimal) and value is not None else value
        for key, value in version.items()
    }


def _audited_rows() -> dict[tuple[str, str], dict[str, Any]]:
    """Every row of every audited table, as the audit trail would write it, by (table, row id)."""
    rows = {}
    for mapper in db.Model.registry.mappers:
        model = mapper.class_
        if not issubclass(model, Audited) or mapper.inherits is not None:
            continue
        excluded = model.__audit_exclude__
        for row in db.session.scalars(sa.select(model)):
            row_mapper = sa.inspect(row).mapper
            table = row_mapper.persist_selectable.name
            row_id = ":".join(str(part) for part in row_mapper.primary_key_from_instance(row))
            rows[table, row_id] = {
                attr.key: _jsonable(getattr(row, attr.key))
                for attr in row_mapper.column_attrs
                if attr.key not in excluded
            }
    return rows


def _audit_trail(up_to: int | None = None) -> list[tuple[Any, ...]]:
    query = sa.select(AuditEvent.__table__).order_by(AuditEvent.id)
    if up_to is not None:
        query = query.where(AuditEvent.id <= up_to)
    return [tuple(row) for row in db.session.execute(query)]


def _replayed(trail: list[tuple[Any, ...]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """``versions(table, row_id)`` of every row the trail names."""
    columns = [column.name for column in AuditEvent.__table__.columns]
    rows = {(row[columns.index("table_name")], row[columns.index("row_id")]) for row in trail}
    return {(table, row_id): versions(table, row_id) for table, row_id in sorted(rows)}


def test_a_backup_taken_while_writes_run_restores_one_consistent_moment(
    source: Flask, separate_database: Any, tmp_path: Path, is_postgres: bool
) -> None:
    path = tmp_path / ("registry.dump" if is_postgres else "registry-backup.sqlite3")
    writer = Writer(source)
    writer.start()
    try:
        writer.wait_for(4)
        with source.app_context():
            before = len(writer.states)
            backed_up = source.test_cli_runner().invoke(args=["backup", str(path)])
            after = len(writer.states)
        writer.wait_for(after + 3)
    finally:
        writer.finish()
    assert backed_up.exit_code == 0, backed_up.output
    assert "Backed up to" in backed_up.output and "rows in" in backed_up.output
    assert before >= 4

    target = create_app({"SQLALCHEMY_DATABASE_URI": separate_database("backup_target")})
    with target.app_context():
        restored = target.test_cli_runner().invoke(args=["restore", str(path)])
        assert restored.exit_code == 0, restored.output
        assert (
            "every foreign key validated" if is_postgres else "integrity check ok, foreign keys hold"
        ) in (restored.output)
        if not is_postgres:
            assert db.session.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
            assert db.session.execute(sa.text("PRAGMA foreign_key_check")).all() == []

        # One moment: the state after one of the writer's commits, neither the first nor the last —
        # writes ran before and after it, and none of the later ones is in the backup.
        moment = _last_audit_id()
        assert moment in writer.states, "the backup holds part of a transaction"
        assert min(writer.states) < moment < max(writer.states)
        assert _counts() == writer.states[moment]
        restored_trail = _audit_trail()
        restored_versions = _replayed(restored_trail)
        stored = _audited_rows()
        # The restored registry still refuses to rewrite its history.
        with pytest.raises(sa.exc.DatabaseError, match=r"immutable"):
            db.session.execute(sa.text("DELETE FROM events"))
        db.session.rollback()
        db.session.remove()

    with source.app_context():
        assert _audit_trail(up_to=moment) == restored_trail
        source_versions = _replayed(restored_trail)
        db.session.remove()

    # Every version of every audited row replays as it did in the source at that moment…
    assert restored_versions.keys() == source_versions.keys()
    for key, rebuilt in restored_versions.items():
        assert rebuilt == source_versions[key][: len(rebuilt)], key
    # …and the last one is the row as restored.
    # (The reference lists `db upgrade` loads are the only rows without a trail.)
    assert {table for table, _ in stored.keys() - restored_versions.keys()} <= {
        "admin_units",
        "instrument_types",
        "legal_rules",
        "plans",
        "plan_phases",
        "plan_indicators",
    }
    for key, rebuilt in restored_versions.items():
        assert _as_stored(rebuilt[-1], stored[key]) == stored[key], key

    # A restored database holds data: restoring over it again needs --force; a backup never overwrites.
    with target.app_context():
        again = target.test_cli_runner().invoke(args=["restore", str(path)])
        assert again.exit_code == 1 and "is not empty" in again.output
        assert _last_audit_id() == moment
        db.session.remove()
        db.engine.dispose()
    with source.app_context():
        overwrite = source.test_cli_runner().invoke(args=["backup", str(path)])
        assert overwrite.exit_code == 1 and "already exists" in overwrite.output


def test_a_restore_refuses_a_file_that_is_no_backup_of_this_database(
    cli: Any, tmp_path: Path, is_postgres: bool
) -> None:
    wrong = tmp_path / "notes.txt"
    wrong.write_text("not a backup")
    result = cli.invoke(args=["restore", str(wrong)])
    kind = "a pg_dump archive" if is_postgres else "an SQLite database"
    assert result.exit_code == 1 and f"is not {kind}" in result.output


@pytest.mark.postgres_only  # SQLite needs no client tool
def test_a_missing_client_tool_is_named(cli: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from registry.backup import database

    monkeypatch.setattr(database.shutil, "which", lambda name: None)
    result = cli.invoke(args=["backup", str(tmp_path / "registry.dump")])
    assert result.exit_code == 1 and "pg_dump is not installed" in result.output
    assert not (tmp_path / "registry.dump").exists()
