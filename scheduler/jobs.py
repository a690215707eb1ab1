"""Thin job wrappers: app context -> a domain service, as the system -> one commit -> session removed.

Every job takes the actor it runs as and the day it runs for, so ``flask jobs run JOB --today`` replays any
day, and running a job twice is harmless: exactly-once comes from the database, not from the scheduler.
Adding a job is one line of :data:`JOBS`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import Flask

from registry.api.idempotency import forget_before
from registry.auth.policy import Actor
from registry.auth.services import purge_stale_login_data
from registry.auth.system import system_transaction
from registry.core.dates import local_timezone, today_is
from registry.extensions import db
from registry.notifications import services as notifications
from registry.plan.services import take_snapshots

JobResult = dict[str, Any]


def housekeeping(actor: Actor, today: date) -> JobResult:
    start_of_day = datetime.combine(today, time(), tzinfo=local_timezone()).astimezone(UTC)
    # A client retries a POST within minutes: its idempotency key is kept a day.
    forgotten = forget_before(start_of_day - timedelta(days=1))
    return {**purge_stale_login_data(actor, start_of_day), "idempotency_keys_deleted": forgotten}


# name -> (the job, its (hour, minute) in Asia/Ho_Chi_Minh, as cron fields: "*" every hour, "*/5" every
# five minutes)
JOBS: dict[str, tuple[Callable[[Actor, date], JobResult], tuple[int | str, int | str]]] = {
    "housekeeping": (housekeeping, (3, 30)),
    "indicator_snapshot": (take_snapshots, (2, 0)),
    "reminders": (notifications.run_reminders, (7, 0)),
    "expiry": (notifications.run_expiry, (7, 5)),
    "overdue_digest": (notifications.run_overdue_digest, (7, 10)),
    # Every hour, before the outbox: an owner hears of a result in doubt soon after the lab records why.
    "suspects": (notifications.run_suspects, ("*", 10)),
    # Every five minutes: an invitation or a password-reset link is awaited at the screen (and a reset
    # link is open an hour), and what waits for an SMTP server that was down goes soon.
    "outbox": (notifications.run_outbox, ("*", "*/5")),
}


def run_job(app: Flask, name: str, today: date) -> JobResult:
    """Run one job in its own transaction, as if on ``today``: committed when it succeeds, rolled back when
    it fails."""
    job, _time = JOBS[name]
    with app.app_context(), today_is(today):
        try:
            with system_transaction(f"job:{name}") as actor:
                return {"job": name, **job(actor, today)}
        finally:
            db.session.remove()
