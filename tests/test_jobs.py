"""Scheduler jobs, run as the scheduler runs them: own transaction, any day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from registry.api.idempotency import IdempotencyKey
from registry.auth.models import LoginAttempt, RateLimitCounter, UserSession
from registry.extensions import db
from scheduler.jobs import run_job
from tests.factories import UserFactory


def test_housekeeping_forgets_old_failed_logins_long_ended_sessions_and_rate_limit_windows(app):
    now = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 08:00 in Asia/Ho_Chi_Minh
    start_of_day = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # midnight there
    user = UserFactory()
    db.session.add_all(
        [
            # The hard cap counts a month of failed logins: older ones go.
            LoginAttempt(email="a@b.vn", address="1.2.3.4", at=now - timedelta(days=31)),
            LoginAttempt(email="a@b.vn", address="1.2.3.4", at=now - timedelta(days=3)),
            UserSession(key_digest="old", user=user, expires_at=now - timedelta(days=40)),
            UserSession(key_digest="live", user=user, expires_at=now + timedelta(hours=5)),
            # Windows that are over go; the one still running (from the job's day on) stays.
            RateLimitCounter(subject="token:1", window_start=start_of_day - timedelta(days=1), count=7),
            RateLimitCounter(subject="token:1", window_start=start_of_day - timedelta(minutes=1), count=9),
            RateLimitCounter(subject="address:1.2.3.4", window_start=start_of_day, count=3),
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
        "rate_limit_counters_deleted": 2,
        "idempotency_keys_deleted": 1,
    }
    assert [a.at for a in db.session.scalars(select(LoginAttempt))] == [now - timedelta(days=3)]
    assert [key.key for key in db.session.scalars(select(IdempotencyKey))] == ["new"]
    assert [s.key_digest for s in db.session.scalars(select(UserSession))] == ["live"]
    assert [c.subject for c in db.session.scalars(select(RateLimitCounter))] == ["address:1.2.3.4"]
    # Running it again the same day is harmless.
    again = run_job(app, "housekeeping", date(2026, 11, 24))
    assert again["login_attempts_deleted"] == again["rate_limit_counters_deleted"] == 0
