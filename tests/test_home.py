"""Each role's home page shows what that role works on: an enterprise its items needing action (with what
to do), its due dates by week, its certificates and notifications; a lab its work queue with one click to
record, its standards and credentials with warnings, its recent events; the Department its inspection
list and the credentials waiting for it (tests/test_home_department.py)."""

from __future__ import annotations

import re
from datetime import timedelta

from registry.auth.models import Role
from registry.core.dates import local_today
from registry.extensions import db
from tests.factories import (
    DesignationFactory,
    InstrumentFactory,
    OrganisationFactory,
    StandardFactory,
    record_verification,
    user_with_role,
)
from tests.helpers import logged_in


def _panel(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</section>", start) if "</section>" in html[start:] else None]


def _card(html: str, testid: str) -> str:
    """The card with ``testid``, up to the next card."""
    start = html.index(f'data-testid="{testid}"')
    end = html.find('class="card ', start + 1)
    return html[start : end if end > 0 else None]


def test_an_enterprise_manager_sees_its_own_instruments_by_status(client, auth):
    manager = user_with_role(Role.ENTERPRISE_MANAGER)
    InstrumentFactory.create_batch(3, owner=manager.organisation)
    InstrumentFactory(owner=manager.organisation, overdue=True)
    InstrumentFactory.create_batch(5, owner=OrganisationFactory())  # someone else's
    db.session.commit()
    auth.login(manager.email)
    html = client.get("/").get_data(as_text=True)
    panel = html[html.index('data-testid="enterprise-counts"') :]
    panel = panel[: panel.index("</ul>")]
    assert "<strong>3</strong>" in panel and "<strong>1</strong>" in panel
    assert "/instruments/?status=overdue" in panel
    assert "<strong>5</strong>" not in panel


def test_a_new_organisation_sees_an_empty_state(client, auth):
    viewer = user_with_role(Role.ENTERPRISE_VIEWER)
    db.session.commit()
    auth.login(viewer.email)
    html = client.get("/").get_data(as_text=True)
    assert "Chưa đăng ký phương tiện đo nào." in html
    assert "Không có gì quá hạn, không đạt hay chờ kiểm định sau sửa chữa." in html


def test_an_enterprise_sees_failed_awaiting_and_overdue_items_first_each_with_what_to_do(client, auth):
    viewer = user_with_role(Role.ENTERPRISE_VIEWER)
    own = viewer.organisation
    InstrumentFactory(owner=own, serial_number="OK-1", valid=True)
    InstrumentFactory(owner=own, serial_number="LATE-1", overdue=True)
    InstrumentFactory(owner=own, serial_number="BROKE-1", failed=True)
    InstrumentFactory(owner=own, serial_number="FIXED-1", needs_repair=True)
    InstrumentFactory(owner=own, serial_number="GONE-1", overdue=True, state="retired")
    InstrumentFactory(serial_number="THEIRS-1", overdue=True)  # another owner's
    db.session.commit()
    html = logged_in(client, auth, viewer).get("/").get_data(as_text=True)
    attention = _card(html, "attention")
    order = [attention.find(serial) for serial in ("BROKE-1", "FIXED-1", "LATE-1")]
    assert -1 not in order and order == sorted(order)
    for absent in ("OK-1", "GONE-1", "THEIRS-1"):
        assert absent not in attention
    assert "Repair or replace it, then have it verified again" in attention
    assert "Book a verification after repair with a lab" in attention
    assert "Have it verified or calibrated by a lab now" in attention


def test_the_timeline_groups_the_next_90_days_by_week(client, auth):
    viewer = user_with_role(Role.ENTERPRISE_VIEWER)
    today = local_today()
    monday = today - timedelta(days=today.weekday())
    soon = InstrumentFactory(owner=viewer.organisation, serial_number="SOON-1", due_soon=True)
    InstrumentFactory(
        owner=viewer.organisation,
        serial_number="LATER-1",
        valid_until=today + timedelta(days=80),
        last_result="pass",
    )
    InstrumentFactory(owner=viewer.organisation, serial_number="FAR-1", valid=True)  # 200 days away
    db.session.commit()
    html = logged_in(client, auth, viewer).get("/").get_data(as_text=True)
    timeline = _card(html, "timeline")
    assert "SOON-1" in timeline and "LATER-1" in timeline and "FAR-1" not in timeline
    week = soon.valid_until - timedelta(days=soon.valid_until.weekday())
    assert f"Week of {week.strftime('%d/%m/%Y')}" in timeline
    assert timeline.index("SOON-1") < timeline.index("LATER-1")
    assert monday <= week


def test_an_enterprise_sees_its_recent_certificates_with_the_public_page(client, auth, lab_technician):
    viewer = user_with_role(Role.ENTERPRISE_VIEWER)
    meter = InstrumentFactory(owner=viewer.organisation, serial_number="CERT-1")
    event = record_verification(lab_technician, meter, certificate_number="GCN-HOME-1")
    record_verification(lab_technician, InstrumentFactory(), certificate_number="GCN-OTHER-9")
    db.session.commit()
    html = logged_in(client, auth, viewer).get("/").get_data(as_text=True)
    certificates = _card(html, "certificates")
    assert "GCN-HOME-1" in certificates and "GCN-OTHER-9" not in certificates
    assert f"/events/{event.id}" in certificates
    assert f"/verify/{event.verification_token}" in certificates


def test_an_enterprise_sees_its_latest_notifications(app, client, auth):
    from scheduler.jobs import run_job

    manager = user_with_role(Role.ENTERPRISE_MANAGER)
    InstrumentFactory(owner=manager.organisation, serial_number="REMIND-7", due_soon=True)
    db.session.commit()
    run_job(app, "reminders", local_today())
    html = logged_in(client, auth, manager).get("/").get_data(as_text=True)
    assert "REMIND-7" in _card(html, "home-notifications")


def test_a_lab_works_from_a_queue_of_the_customers_items_it_served(client, auth, lab, lab_technician):
    today = local_today()
    customer = OrganisationFactory(code="KH-01", name="Khách hàng Một")
    due = InstrumentFactory(owner=customer, serial_number="Q-DUE")
    late = InstrumentFactory(owner=customer, serial_number="Q-LATE")
    far = InstrumentFactory(owner=customer, serial_number="Q-FAR")
    record_verification(lab_technician, due, performed_on=today - timedelta(days=330))
    record_verification(lab_technician, late, performed_on=today - timedelta(days=380))
    record_verification(lab_technician, far, performed_on=today - timedelta(days=10))
    InstrumentFactory(owner=customer, serial_number="Q-NOT-SERVED", overdue=True)  # another lab's work
    db.session.commit()
    client = logged_in(client, auth, lab_technician)
    html = client.get("/").get_data(as_text=True)
    queue = _card(html, "work-queue")
    assert "Q-DUE" in queue and "Q-LATE" in queue
    assert "Q-FAR" not in queue and "Q-NOT-SERVED" not in queue
    assert queue.index("Q-LATE") < queue.index("Q-DUE")  # overdue first
    assert "Khách hàng Một" in queue
    link = re.search(r'href="(/events/new\?[^"]*Q-DUE[^"]*)"', queue)
    assert link is not None
    form = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert 'value="Q-DUE"' in form and 'value="KH-01"' in form and 'value="FUEL_DISPENSER"' in form


def test_a_lab_is_warned_about_its_standards_and_credentials_before_they_lapse(
    client, auth, lab, lab_technician
):
    StandardFactory(owner=lab, name="Quả cân sắp đến hạn", due_soon=True)
    StandardFactory(owner=lab, name="Quả cân còn hạn", valid=True)
    DesignationFactory(
        organisation=lab, decision_number="99/QĐ-SẮP-HẾT", valid_to=local_today() + timedelta(days=20)
    )
    db.session.commit()
    html = logged_in(client, auth, lab_technician).get("/").get_data(as_text=True)
    standards = _card(html, "own-standards")
    assert (
        "Quả cân sắp đến hạn" in standards and "Quả cân còn hạn" not in standards.split("standards-care")[1]
    )
    credentials = _card(html, "own-credentials")
    expiring = credentials[credentials.index("99/QĐ-SẮP-HẾT") - 300 : credentials.index("99/QĐ-SẮP-HẾT")]
    assert "list-group-item-warning" in expiring
    assert "Expiring soon" in credentials


def test_a_lab_sees_the_events_it_recorded_last(client, auth, lab, lab_technician):
    record_verification(lab_technician, InstrumentFactory(), certificate_number="GCN-LAB-LAST")
    db.session.commit()
    html = logged_in(client, auth, lab_technician).get("/").get_data(as_text=True)
    assert "GCN-LAB-LAST" in _panel(html, "panel-provider")
