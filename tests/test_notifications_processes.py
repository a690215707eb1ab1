"""Exactly-once through real processes on a real, committed database (SQLite, or PostgreSQL when
DATABASE_URL says so): two `jobs run` at once, a scheduler killed with kill -9 in the middle of its run and
restarted, a crash after the SMTP server accepted a message and before the commit. Time is driven by
--today and by the injected clock (REGISTRY_TODAY), never by sleeping; a process is stopped at a named
point (REGISTRY_PAUSE_AT / REGISTRY_CRASH_AT, registry/notifications/faults.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import event, func, select, text

from registry import create_app
from registry.auth.models import Role, User
from registry.auth.services import create_api_token
from registry.extensions import db
from registry.notifications.models import Notification, OutboxMessage
from tests.factories import InstrumentFactory, OrganisationFactory, StandardFactory, user_with_role
from tests.smtp_sink import smtp_server

ROOT = Path(__file__).resolve().parent.parent
DAY = date(2026, 3, 1)
ITEMS = 12  # every one due on DAY: 4 at 7 days, 4 at 30 days, 4 overdue
DEADLINE = 120  # seconds a process may take to reach a point before the test gives up


@dataclass
class World:
    app: Flask
    url: str

    @property
    def postgres(self) -> bool:
        return self.url.startswith("postgresql")

    def env(self, **extra: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("REGISTRY_")}
        return {**env, "DATABASE_URL": self.url, "REGISTRY_CONFIG": "default", "SMTP_HOST": "", **extra}

    def jobs_run(self, job: str, day: date, **extra: str) -> subprocess.Popen[str]:
        command = [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "wsgi",
            "jobs",
            "run",
            job,
            "--today",
            day.isoformat(),
        ]
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env(**extra),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def count(self, model: Any) -> int:
        with self.app.app_context():
            try:
                return int(db.session.scalar(select(func.count()).select_from(model)) or 0)
            finally:
                db.session.remove()

    def ledger_keys(self) -> list[tuple[int, int, int]]:
        with self.app.app_context():
            try:
                rows = db.session.execute(
                    select(Notification.organisation_id, Notification.subject_id, Notification.stage)
                )
                return sorted(tuple(row) for row in rows)
            finally:
                db.session.remove()


def result_of(process: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = process.communicate(timeout=DEADLINE)
    assert process.returncode == 0, err
    return dict(json.loads(out.strip().splitlines()[-1]))


@pytest.fixture
def world(separate_database: Any, committing_sessions: None) -> Iterator[World]:
    url = separate_database("reminders")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        flask_migrate.upgrade()
        owner = OrganisationFactory(code="HOABINH")
        user_with_role(Role.ENTERPRISE_MANAGER, owner, email="quanly@hoabinh.vn")
        lab = OrganisationFactory(provider=True, code="LAB")
        user_with_role(Role.PROVIDER_MANAGER, lab, email="lab@lab.vn")
        for offset in (7, 30, -1):
            for _ in range(ITEMS // 3):
                InstrumentFactory(owner=owner, valid_until=DAY + timedelta(days=offset), last_result="pass")
        StandardFactory(owner=lab, valid_until=DAY + timedelta(days=200), last_result="pass")
        db.session.commit()
        db.session.remove()
    yield World(app, url)
    with app.app_context():
        db.engine.dispose()


def test_two_jobs_run_at_once_create_each_reminder_once(world):
    first, second = world.jobs_run("reminders", DAY), world.jobs_run("reminders", DAY)
    results = [result_of(first), result_of(second)]
    assert sorted(r["notifications_created"] for r in results) == [0, ITEMS]
    assert sorted(r["emails_queued"] for r in results) == [0, 1]
    assert world.count(Notification) == ITEMS
    assert len(set(world.ledger_keys())) == ITEMS
    assert world.count(OutboxMessage) == 1


def _wait_for(path: Path, process: subprocess.Popen[str]) -> None:
    """Until the process reached its pause point (it touches ``path``), or died."""
    deadline = time.monotonic() + DEADLINE
    while not path.exists():
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "the process never reached its pause point"
        time.sleep(0.05)


def _scheduler(world: World, tmp_path: Path, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "scheduler"],
        cwd=ROOT,
        env=world.env(REGISTRY_TODAY=DAY.isoformat(), **extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill(process: subprocess.Popen[str]) -> None:
    """kill -9, as a crash or an operator would; its pipes closed."""
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=DEADLINE)


def _until_started(process: subprocess.Popen[str]) -> str:
    """The scheduler's log up to "scheduler started": every start-up run is done and committed."""
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if "scheduler started" in line:
            return "".join(seen)
    raise AssertionError("the scheduler stopped before starting: " + "".join(seen))


@pytest.mark.parametrize("point", ["ledger:after_insert", "ledger:after_queue", "outbox:after_send"])
def test_a_scheduler_killed_mid_run_then_restarted_sends_each_reminder_exactly_once(world, tmp_path, point):
    """Killed while writing the ledger, or after the SMTP server accepted the e-mail and before the run
    committed: the restarts leave every reminder once, and the one e-mail reaches the server (again, with
    the same Message-ID, when the kill came after the server accepted it)."""
    marker = tmp_path / "paused"
    with smtp_server() as (sink, port):
        smtp = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port)}
        paused = _scheduler(world, tmp_path, REGISTRY_PAUSE_AT=point, REGISTRY_PAUSE_FILE=str(marker), **smtp)
        try:
            _wait_for(marker, paused)
        finally:
            _kill(paused)
        if point.startswith("ledger:"):
            # The run died before its commit: nothing of it is kept, nothing half-done, nothing sent.
            assert world.count(Notification) == 0 and world.count(OutboxMessage) == 0
            assert sink.messages == []
        else:
            assert len(sink.messages) == 1

        for _restart in range(2):
            restarted = _scheduler(world, tmp_path, **smtp)
            try:
                _until_started(restarted)
            finally:
                _kill(restarted)
            assert world.count(Notification) == ITEMS
            assert len(set(world.ledger_keys())) == ITEMS
            assert world.count(OutboxMessage) == 1
        with world.app.app_context():
            message_id, sent_at = db.session.execute(
                select(OutboxMessage.message_id, OutboxMessage.sent_at)
            ).one()
            db.session.remove()
    assert sent_at is not None
    expected = 2 if point == "outbox:after_send" else 1
    assert [message["Message-ID"] for message in sink.messages] == [message_id] * expected


def test_a_crash_after_the_smtp_server_accepted_resends_the_same_message_id(world):
    assert result_of(world.jobs_run("reminders", DAY))["emails_queued"] == 1
    with smtp_server() as (sink, port):
        smtp = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port)}
        crashed = world.jobs_run("outbox", DAY, REGISTRY_CRASH_AT="outbox:after_send", **smtp)
        crashed.communicate(timeout=DEADLINE)
        assert crashed.returncode == 70
        assert len(sink.messages) == 1
        # Not marked sent: the commit never happened.
        with world.app.app_context():
            assert db.session.scalar(select(OutboxMessage.sent_at)) is None
            db.session.remove()

        again = result_of(world.jobs_run("outbox", DAY, **smtp))
        assert again["emails_sent"] == 1
        assert len(sink.messages) == 2
        assert sink.messages[0]["Message-ID"] == sink.messages[1]["Message-ID"]

        assert result_of(world.jobs_run("outbox", DAY, **smtp))["emails_sent"] == 0
        assert len(sink.messages) == 2


def _until_line(process: subprocess.Popen[str], text: str) -> str:
    """The process's log up to the first line containing ``text``."""
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if text in line:
            return "".join(seen)
    raise AssertionError(f"the process stopped before logging {text!r}: " + "".join(seen))


def _created_by_reminders(log: str) -> int:
    finished = next(line for line in log.splitlines() if "job finished: {'job': 'reminders'" in line)
    return int(finished.split("'notifications_created': ")[1].split(",")[0])


def _waiting_on_a_lock(world: World) -> bool:
    with world.app.app_context():
        try:
            return bool(db.session.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted")))
        finally:
            db.session.remove()


def test_a_second_scheduler_started_by_mistake_sends_nothing_twice(world, tmp_path):
    """The first holds its reminders run open after writing the ledger; the second runs meanwhile (on
    PostgreSQL its insert waits on the first's rows, on SQLite it waits for the write lock); when the first
    commits, the second finds every reminder already there."""
    marker, release = tmp_path / "paused", tmp_path / "release"
    first = _scheduler(
        world,
        tmp_path,
        REGISTRY_PAUSE_AT="ledger:after_insert",
        REGISTRY_PAUSE_FILE=str(marker),
        REGISTRY_RELEASE_FILE=str(release),
    )
    second: subprocess.Popen[str] | None = None
    try:
        _wait_for(marker, first)
        second = _scheduler(world, tmp_path)
        logs = [_until_line(second, "job started: reminders" if world.postgres else "job started:")]
        if world.postgres:
            deadline = time.monotonic() + DEADLINE
            while not _waiting_on_a_lock(world):
                assert time.monotonic() < deadline, "the second scheduler never waited for the first"
                time.sleep(0.05)
        release.touch()
        first_log = _until_started(first)
        second_log = logs[0] + _until_started(second)
    finally:
        _kill(first)
        if second is not None:
            _kill(second)
    assert (_created_by_reminders(first_log), _created_by_reminders(second_log)) == (ITEMS, 0)
    assert world.count(Notification) == ITEMS
    assert len(set(world.ledger_keys())) == ITEMS
    assert world.count(OutboxMessage) == 1


def test_an_api_request_writing_while_a_job_writes_waits_and_succeeds(world, tmp_path):
    """SQLite has one writer: the request waits for the job's commit (busy timeout, immediate
    transactions) instead of failing with "database is locked"; on PostgreSQL neither waits."""
    with world.app.app_context():
        manager = db.session.scalar(select(User).where(User.email == "quanly@hoabinh.vn"))
        token = create_api_token(manager, manager)
        db.session.commit()
        db.session.remove()
    marker, release = tmp_path / "paused", tmp_path / "release"
    job = world.jobs_run(
        "reminders",
        DAY,
        REGISTRY_PAUSE_AT="ledger:after_insert",
        REGISTRY_PAUSE_FILE=str(marker),
        REGISTRY_RELEASE_FILE=str(release),
    )
    answers: list[Any] = []

    def register() -> None:
        client = world.app.test_client()
        body = {
            "type_code": "BALANCE_PRECISION",
            "serial_number": "CAN-9",
            "use": "internal",
            "interval_months": 12,
        }
        response = client.post("/api/v1/instruments", json=body, headers={"Authorization": f"Bearer {token}"})
        answers.append((response.status_code, response.get_json()))

    at_the_lock = threading.Event()

    def before_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement == "BEGIN IMMEDIATE" and threading.current_thread() is writer:
            at_the_lock.set()

    with world.app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before_execute)
    writer = threading.Thread(target=register)
    try:
        _wait_for(marker, job)
        writer.start()
        if not world.postgres:
            assert at_the_lock.wait(timeout=DEADLINE), "the request never asked for the write lock"
        # The job commits while the request is under way (on SQLite, waiting for the job's lock).
        release.touch()
        writer.join(timeout=DEADLINE)
        assert not writer.is_alive()
        assert result_of(job)["notifications_created"] == ITEMS
    finally:
        event.remove(engine, "before_cursor_execute", before_execute)
        if job.poll() is None:
            _kill(job)
    assert [status for status, _answer in answers] == [201], answers
    assert world.count(Notification) == ITEMS
