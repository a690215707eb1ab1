"""Thin job wrappers: app context -> a domain service -> one commit -> session removed.

Every job takes the day it runs for, so ``flask jobs run JOB --today`` replays any day, and running a
job twice is harmless: exactly-once comes from the database, not from the scheduler.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask

from registry.audit.services import Actor, acting_as
from registry.auth.services import purge_stale_login_data
from registry.extensions import db

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
JobResult = dict[str, Any]


def housekeeping(today: date) -> JobResult:
    start_of_day = datetime.combine(today, time(), tzinfo=LOCAL_TZ).astimezone(UTC)
    return purge_stale_login_data(start_of_day)


JOBS: dict[str, Callable[[date], JobResult]] = {"housekeeping": housekeeping}


def run_job(app: Flask, name: str, today: date) -> JobResult:
    """Run one job in its own transaction: committed when it succeeds, rolled back when it fails."""
    with app.app_context(), acting_as(Actor(None, f"job:{name}")):
        try:
            result = {"job": name, **JOBS[name](today)}
            db.session.commit()
            return result
        except BaseException:
            db.session.rollback()
            raise
        finally:
            db.session.remove()
