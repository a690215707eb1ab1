"""Owners hear of suspect results: a standard found out of tolerance makes the results it was used for
suspect, and the `suspects` job tells each affected item's owner once per (event, cause), in the inbox,
the API and by e-mail; a rerun adds nothing, a suspicion the lab closed tells no one, and no other
organisation sees the notice."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.auth.models import Role
from registry.core.dates import local_today
from registry.events.recording import record_event
from registry.events.revisions import void_event
from registry.events.suspects.services import assess_event
from registry.extensions import db
from registry.notifications.models import Notification, OutboxMessage
from scheduler.jobs import run_job
from tests.factories import (
    InstrumentFactory,
    OrganisationFactory,
    StandardFactory,
    lab_with_credentials,
    record_verification,
    user_with_role,
)
from tests.helpers import SYSTEM, AuthActions, csrf_token_from, days_ago, logged_in

OUT_OF_TOLERANCE = [{"nominal": "1000", "as_found": "1000.9", "as_left": "1000.1", "mpe": "0.5", "unit": "g"}]


def calibrate(standard, days: int, number: str, **values):
    return record_event(
        SYSTEM,
        {
            "item": standard,
            "provider": "QT3-NTF",
            "kind": "calibration",
            "performed_on": days_ago(days),
            "result": "pass",
            "certificate_number": number,
        }
        | values,
    )


@pytest.fixture
def world(lab, lab_technician):
    """Two enterprises whose scales the lab verified with its standard, which is then found out of
    tolerance; a third enterprise whose scale was verified with another standard."""
    lab_with_credentials(code="QT3-NTF")
    standard = StandardFactory(owner=lab, interval_months=24, name="Quả cân 1 kg")
    calibrate(standard, 400, "HC-NTF-1")
    owners = [OrganisationFactory(), OrganisationFactory()]
    managers = [user_with_role(Role.ENTERPRISE_MANAGER, owner) for owner in owners]
    results = [
        record_verification(
            lab_technician,
            InstrumentFactory(owner=owner, serial_number=f"CAN-{index}"),
            performed_on=days_ago(100),
            standards_used=[standard],
            certificate_number=f"GCN-NTF-{index}",
        )
        for index, owner in enumerate(owners)
    ]
    bystander = user_with_role(Role.ENTERPRISE_MANAGER)
    db.session.commit()
    return standard, managers, results, bystander


def found_out_of_tolerance(standard):
    bad = calibrate(standard, 10, "HC-NTF-BAD", measurement_points=OUT_OF_TOLERANCE)
    db.session.commit()
    return bad


def notices(organisation_id: int) -> list[Notification]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.organisation_id == organisation_id, Notification.kind == "suspect"
            )
        )
    )


def run(app):
    return run_job(app, "suspects", local_today())


def test_each_affected_owner_is_told_once_and_a_rerun_adds_nothing(app, world, lab):
    standard, managers, results, bystander = world
    assert run(app)["notifications_created"] == 0
    bad = found_out_of_tolerance(standard)

    first = run(app)
    second = run(app)

    assert first["notifications_created"] == 2 and first["emails_queued"] == 2
    assert second["notifications_created"] == 0 and second["emails_queued"] == 0
    for manager, result in zip(managers, results, strict=True):
        [notice] = notices(manager.organisation_id)
        assert (notice.subject_type, notice.subject_id, notice.stage) == ("event", result.id, bad.id)
    # The lab recorded the bad result and has the suspect report; the bystander has nothing to hear.
    assert notices(lab.id) == [] and notices(bystander.organisation_id) == []
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == managers[0].email)).one()
    assert (
        "GCN-NTF-0" in mail.text and "Quả cân 1 kg" in mail.text and f"/events/{results[0].id}" in mail.text
    )


def test_a_suspicion_the_lab_closed_tells_no_one_now_or_later(app, world, lab_technician):
    standard, managers, results, _bystander = world
    found_out_of_tolerance(standard)
    assess_event(lab_technician, results[0], decision="no_effect", reason="Sai số nằm trong độ không đảm bảo")
    db.session.commit()

    assert run(app)["notifications_created"] == 1
    assert notices(managers[0].organisation_id) == []

    # Told first, closed afterwards: the notice stays, and no run tells it again.
    assess_event(lab_technician, results[1], decision="customer_informed", reason="Đã báo khách hàng")
    db.session.commit()
    assert run(app)["notifications_created"] == 0
    assert len(notices(managers[1].organisation_id)) == 1


def test_a_result_made_with_an_overdue_standard_tells_its_owner_why(
    app, client, auth, lab, lab_technician, world
):
    _standard, managers, _results, _bystander = world
    never_calibrated = StandardFactory(owner=lab)
    made = record_verification(
        lab_technician,
        InstrumentFactory(owner=managers[0].organisation, serial_number="CAN-OD"),
        standards_used=[never_calibrated],
        override_reason="Chuẩn dự phòng, chưa kịp hiệu chuẩn",
    )
    db.session.commit()
    assert made.suspect

    assert run(app)["notifications_created"] == 1
    [notice] = notices(managers[0].organisation_id)
    assert notice.subject_id == notice.stage == made.id
    page = logged_in(client, auth, managers[0]).get("/notifications/").get_data(as_text=True)
    assert "CAN-OD" in page and "Made with a standard that was overdue on" in page


def test_a_bad_result_voided_before_the_run_tells_no_one(app, world):
    standard, managers, results, _bystander = world
    bad = found_out_of_tolerance(standard)
    assert all(result.suspect for result in results)
    void_event(SYSTEM, bad, reason="Ghi nhầm chuẩn", version=None)
    db.session.commit()

    assert run(app)["notifications_created"] == 0
    assert notices(managers[0].organisation_id) == notices(managers[1].organisation_id) == []


def test_the_owner_reads_it_in_the_inbox_and_the_api_and_no_one_else_sees_it(app, client, auth, api, world):
    standard, managers, results, bystander = world
    found_out_of_tolerance(standard)
    run(app)
    [notice] = notices(managers[0].organisation_id)

    logged_in(client, auth, managers[0])
    page = client.get("/notifications/?kind=suspect").get_data(as_text=True)
    assert "CAN-0 · GCN-NTF-0" in page and "was found out of tolerance on" in page
    assert "CAN-1" not in page
    opened = client.post(f"/notifications/{notice.id}/read", data={"csrf_token": csrf_token_from(page)})
    assert opened.headers["Location"] == f"/events/{results[0].id}"
    listed = api(managers[0]).get("/api/v1/notifications?kind=suspect").get_json()["items"]
    assert [(row["kind"], row["subject_id"], row["url"]) for row in listed] == [
        ("suspect", results[0].id, f"/events/{results[0].id}")
    ]

    assert api(bystander).get("/api/v1/notifications?kind=suspect").get_json()["items"] == []
    assert api(bystander).post(f"/api/v1/notifications/{notice.id}/read").status_code == 404
    other = app.test_client()
    logged_in(other, AuthActions(other), bystander)
    assert "GCN-NTF-0" not in other.get("/notifications/?kind=suspect").get_data(as_text=True)
