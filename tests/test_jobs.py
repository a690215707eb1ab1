"""Scheduler jobs, run as the scheduler runs them: own transaction, any day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from registry.api.idempotency import IdempotencyKey
from registry.auth.models import LoginAttempt, UserSession
from registry.extensions import db
from scheduler.jobs import run_job
from tests.factories import UserFactory


def test_housekeeping_forgets_old_failed_logins_and_long_ended_sessions(app):
    now = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    user = UserFactory()
    db.session.add_all(
        [
            LoginAttempt(email="a@b.vn", address="1.2.3.4", at=now - timedelta(days=3)),
            LoginAttempt(email="a@b.vn", address="1.2.3.4", at=now - timedelta(hours=2)),
            UserSession(key_digest="old", user=user, expires_at=now - timedelta(days=40)),
            UserSession(key_digest="live", user=user, expires_at=now + timedelta(hours=5)),
            IdempotencyKey(user=user, key="old", request_digest="-", created_at=now - timedelta(days=3)),
            IdempotencyKey(user=user, key="new", request_digest="-", created_at=now - timedelta(hours=3)),
        ]
    )
    db.session.commit()

    result = run_job(app, "housekeeping", date(2026, 11, 24))

    assert result == {
        "job": "housekeeping",
        "login_attempts_deleted": 1,
        "sessions_deleted": 1,
        "idempotency_keys_deleted": 1,
    }
    assert [key.key for key in db.session.scalars(select(IdempotencyKey))] == ["new"]
    assert [a.at for a in db.session.scalars(select(LoginAttempt))] == [now - timedelta(hours=2)]
    assert [s.key_digest for s in db.session.scalars(select(UserSession))] == ["live"]
    # Running it again the same day is harmless.
    assert run_job(app, "housekeeping", date(2026, 11, 24))["login_attempts_deleted"] == 0
