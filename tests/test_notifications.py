"""Reminders: the ledger's stages, exactly once per stage, through reruns, downtime and renewals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from registry.audit import services as audit
from registry.auth.models import Role
from registry.extensions import db
from registry.notifications.models import Notification, OutboxMessage
from registry.notifications.services import set_stages
from scheduler.jobs import run_job
from tests.factories import InstrumentFactory, OrganisationFactory, StandardFactory, user_with_role

DAY = date(2026, 3, 1)


def ledger(item_id: int) -> list[tuple[date, int]]:
    rows = db.session.scalars(
        select(Notification).where(Notification.subject_id == item_id, Notification.subject_type == "item")
    )
    return sorted((row.valid_until, row.stage) for row in rows)


@pytest.fixture
def owner():
    organisation = OrganisationFactory()
    user_with_role(Role.ENTERPRISE_MANAGER, organisation, email="manager@owner.vn")
    db.session.commit()
    return organisation


def instrument(owner, valid_until, **kwargs):
    item = InstrumentFactory(owner=owner, valid_until=valid_until, last_result="pass", **kwargs)
    db.session.commit()
    return item


def test_the_same_day_twice_creates_nothing_the_second_time(app, owner):
    item = instrument(owner, DAY + timedelta(days=7))

    first = run_job(app, "reminders", DAY)
    second = run_job(app, "reminders", DAY)

    assert first["notifications_created"] == 1 and first["emails_queued"] == 1
    assert second == {"job": "reminders", "notifications_created": 0, "emails_queued": 0}
    assert ledger(item.id) == [(DAY + timedelta(days=7), 7)]


def test_each_stage_once_on_its_day_then_every_30_days_overdue(app, owner):
    end = DAY + timedelta(days=30)
    item = instrument(owner, end)
    days = []
    for offset in range(0, 30 + 95):
        day = DAY + timedelta(days=offset)
        if run_job(app, "reminders", day)["notifications_created"]:
            days.append(day)
    assert days == [
        end - timedelta(days=30),
        end - timedelta(days=7),
        end + timedelta(days=1),
        end + timedelta(days=31),
        end + timedelta(days=61),
        end + timedelta(days=91),
    ]
    assert [stage for _, stage in ledger(item.id)] == [-91, -61, -31, -1, 7, 30]


def test_after_72_hours_of_downtime_only_the_latest_stage_once(app, owner):
    end = DAY + timedelta(days=8)
    item = instrument(owner, end)
    run_job(app, "reminders", end - timedelta(days=30))  # stage 30 sent
    # Down from 9 days before to 6 days before: the 7-day stage fell in the gap.
    restarted = run_job(app, "reminders", end - timedelta(days=6))
    assert restarted["notifications_created"] == 1
    assert ledger(item.id) == [(end, 7), (end, 30)]

    # Down over the end date and the first overdue day: only the first overdue stage, not the 7-day one too.
    other = instrument(owner, DAY)
    assert run_job(app, "reminders", DAY + timedelta(days=3))["notifications_created"] == 1
    assert ledger(other.id) == [(DAY, -1)]


def test_renewal_stops_the_old_series_and_starts_a_new_one(app, owner):
    item = instrument(owner, DAY)
    run_job(app, "reminders", DAY + timedelta(days=1))
    with audit.reason("renewed"):
        item.valid_until = DAY + timedelta(days=365)
        db.session.commit()
    for offset in (2, 31, 61):
        assert run_job(app, "reminders", DAY + timedelta(days=offset))["notifications_created"] == 0
    assert ledger(item.id) == [(DAY, -1)]
    run_job(app, "reminders", DAY + timedelta(days=365 - 30))
    assert ledger(item.id) == [(DAY, -1), (DAY + timedelta(days=365), 30)]


def test_retired_and_out_of_service_items_get_none(app, owner):
    retired = instrument(owner, DAY, state="retired")
    parked = instrument(owner, DAY, state="out_of_service")
    assert run_job(app, "reminders", DAY + timedelta(days=1))["notifications_created"] == 0
    assert ledger(retired.id) == ledger(parked.id) == []


def test_a_lab_does_not_get_its_customers_reminders(app, owner):
    from tests.factories import lab_with_credentials

    item = instrument(owner, DAY + timedelta(days=7))
    lab = lab_with_credentials()
    user_with_role(Role.PROVIDER_MANAGER, lab, email="lab@lab.vn")
    db.session.commit()
    run_job(app, "reminders", DAY)
    recipients = {row.organisation_id for row in db.session.scalars(select(Notification))}
    assert recipients == {owner.id}
    assert [m.recipient for m in db.session.scalars(select(OutboxMessage))] == ["manager@owner.vn"]
    assert item.id


def test_an_organisations_own_stages(app, owner):
    from registry.auth.policy import SystemActor

    set_stages(SystemActor("test"), owner, "60, 1")
    db.session.commit()
    item = instrument(owner, DAY + timedelta(days=20))
    standard = StandardFactory(owner=owner, valid_until=DAY + timedelta(days=1), last_result="pass")
    db.session.commit()
    run_job(app, "reminders", DAY)
    assert ledger(item.id) == [(DAY + timedelta(days=20), 60)]
    assert ledger(standard.id) == [(DAY + timedelta(days=1), 1)]
