"""The inbox in the application: unread count in the header, filter, mark read, another organisation's
notification not found; an organisation's stages refused with a field error; expiry notices and the
Department's digest."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from registry.auth.models import Role
from registry.auth.policy import SystemActor
from registry.core.errors import ServiceError
from registry.extensions import db
from registry.notifications import services
from registry.notifications.models import Notification
from registry.notifications.services import set_stages
from scheduler.jobs import run_job
from tests.factories import AccreditationFactory, InstrumentFactory, OrganisationFactory, user_with_role
from tests.helpers import csrf_token_from, logged_in, page_link

DAY = date(2026, 3, 1)


@pytest.fixture
def reminded(app):
    owner = OrganisationFactory()
    manager = user_with_role(Role.ENTERPRISE_MANAGER, owner)
    InstrumentFactory(
        owner=owner, serial_number="CB-07", valid_until=DAY + timedelta(days=7), last_result="pass"
    )
    InstrumentFactory(
        owner=owner, serial_number="CB-OD", valid_until=DAY - timedelta(days=3), last_result="pass"
    )
    other = user_with_role(Role.ENTERPRISE_MANAGER)
    InstrumentFactory(owner=other.organisation, valid_until=DAY, last_result="pass")
    db.session.commit()
    run_job(app, "reminders", DAY)
    return manager, other


def test_the_header_counts_unread_and_the_inbox_marks_them_read(client, auth, reminded):
    manager, _other = reminded
    logged_in(client, auth, manager)
    page = client.get("/notifications/").get_data(as_text=True)
    assert re.search(r'data-testid="unread-count"[^>]*>2<', page)
    assert "CB-07" in page and "CB-OD" in page and "Due in 7 days" in page
    own = db.session.scalars(
        select(Notification).where(Notification.organisation_id == manager.organisation_id)
    )
    first = sorted(own, key=lambda n: n.id)[0]
    token = csrf_token_from(page)
    opened = client.post(f"/notifications/{first.id}/read", data={"csrf_token": token})
    assert opened.status_code == 302 and opened.headers["Location"].startswith("/instruments/")
    assert re.search(
        r'data-testid="unread-count"[^>]*>1<', client.get("/notifications/").get_data(as_text=True)
    )
    client.post("/notifications/read-all", data={"csrf_token": token})
    assert 'data-testid="unread-count"' not in client.get("/notifications/").get_data(as_text=True)
    assert "No notifications." in client.get("/notifications/?kind=expiry").get_data(as_text=True)


def test_the_inbox_pages_with_next_and_previous_keeping_the_kind(client, auth, reminded, monkeypatch):
    monkeypatch.setattr(services, "INBOX_PER_PAGE", 1)
    manager, _other = reminded
    logged_in(client, auth, manager)
    first = client.get("/notifications/?kind=reminder").get_data(as_text=True)
    following = page_link(first, "next-page")
    assert following and "kind=reminder" in following
    second = client.get(following).get_data(as_text=True)
    shown = [re.findall(r'data-notification="(\d+)"', html) for html in (first, second)]
    assert len(shown[0]) == len(shown[1]) == 1 and shown[0] != shown[1]
    assert page_link(second, "next-page") is None
    assert (
        re.findall(r'data-notification="(\d+)"', client.get(page_link(second, "previous-page")).text)
        == shown[0]
    )


def test_the_api_lists_own_notifications_and_another_organisations_is_not_found(api, reminded):
    manager, other = reminded
    client = api(manager)
    listed = client.get("/api/v1/notifications?kind=reminder").get_json()["items"]
    assert sorted(item["stage"] for item in listed) == [-1, 7]
    assert all(item["read_at"] is None and item["url"].startswith("/instruments/") for item in listed)
    assert client.get("/api/v1/notifications?kind=expiry").get_json()["items"] == []
    assert client.get("/api/v1/notifications?kind=nope").status_code == 422

    read = client.post(f"/api/v1/notifications/{listed[0]['id']}/read")
    assert read.status_code == 200 and read.get_json()["read_at"]
    theirs = db.session.scalar(
        select(Notification.id).where(Notification.organisation_id == other.organisation_id)
    )
    assert client.post(f"/api/v1/notifications/{theirs}/read").status_code == 404
    assert client.post("/api/v1/notifications/999999/read").status_code == 404


@pytest.mark.parametrize(
    ("stages", "field_error", "vietnamese"),
    [
        ("30, 366", "from 0 to 365", "từ 0 đến 365"),
        ("-1", "from 0 to 365", "từ 0 đến 365"),
        ("abc", "from 0 to 365", "từ 0 đến 365"),
        ("60, 30, 14, 7, 3, 1, 0", "at most 6", "tối đa 6"),
    ],
)
def test_stages_outside_the_rules_are_refused_with_a_field_error(
    client, auth, stages, field_error, vietnamese
):
    manager = user_with_role(Role.ENTERPRISE_MANAGER)
    db.session.commit()
    with pytest.raises(ServiceError) as refused:
        set_stages(SystemActor("test"), manager.organisation, stages)
    assert vietnamese in str(refused.value.fields["stages"])
    logged_in(client, auth, manager)
    token = csrf_token_from(client.get("/notifications/settings").get_data(as_text=True))
    response = client.post("/notifications/settings", data={"csrf_token": token, "stages": stages})
    assert response.status_code == 422 and field_error in response.get_data(as_text=True)


def test_expiry_notices_60_and_14_days_before_and_on_the_day(app):
    accreditation = AccreditationFactory(valid_to=DAY + timedelta(days=60))
    db.session.commit()
    created = [run_job(app, "expiry", DAY + timedelta(days=d))["notifications_created"] for d in range(0, 62)]
    assert [d for d, n in enumerate(created) if n] == [0, 46, 60]
    stages = db.session.scalars(
        select(Notification.stage).where(Notification.subject_type == "accreditation")
    )
    assert sorted(stages) == [0, 14, 60]
    assert {n.organisation_id for n in db.session.scalars(select(Notification))} == {
        accreditation.organisation_id
    }


def test_the_department_gets_one_digest_a_day_of_overdue_group2_instruments(app, client, auth):
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    InstrumentFactory(valid_until=DAY - timedelta(days=10), last_result="pass")
    InstrumentFactory()  # never verified
    db.session.commit()
    assert run_job(app, "overdue_digest", DAY)["emails_queued"] == 1
    assert run_job(app, "overdue_digest", DAY)["notifications_created"] == 0
    logged_in(client, auth, officer)
    page = client.get(f"/notifications/digest/{DAY.isoformat()}").get_data(as_text=True)
    assert "status=overdue" in page and "status=never" in page
