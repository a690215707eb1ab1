"""Choosing which certificates' labels to print: the owner (and the lab) ticks its recent certificates in a
checklist — narrowed by period and instrument type, or to one item — and prints the ticked ones' labels;
reachable from the home page, the menu and the item page."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pytest

from registry.auth.models import Role
from registry.events.revisions import void_event
from registry.extensions import db
from tests.factories import InstrumentFactory, OrganisationFactory, record_verification, user_with_role
from tests.helpers import SYSTEM, days_ago, field_errors, logged_in


@pytest.fixture
def certificates(lab_technician: Any, enterprise: Any) -> dict[str, Any]:
    """The enterprise's certificates from the lab: two fuel dispensers verified and a taximeter (in-house
    use) calibrated this quarter, one
    dispenser last year, one voided; and another enterprise's certificate from the same lab."""

    def verify(serial: str, days: int, owner: Any = enterprise, **kinds: Any) -> Any:
        item = InstrumentFactory(owner=owner, serial_number=serial, **kinds)
        return record_verification(
            lab_technician, item, performed_on=days_ago(days), certificate_number=f"GCN-{serial}"
        )

    def calibrate(serial: str, days: int) -> Any:
        item = InstrumentFactory(owner=enterprise, serial_number=serial, type_code="TAXIMETER", internal=True)
        return record_verification(
            lab_technician,
            item,
            kind="calibration",
            performed_on=days_ago(days),
            certificate_number=f"HC-{serial}",
            verifier_card=None,
        )

    made = {
        "recent": verify("CD-1", 10),
        "older": verify("CD-2", 60),
        "taxi": calibrate("TX-1", 20),
        "last_year": verify("CD-3", 300),
        "voided": verify("CD-4", 5),
        "other": verify("XX-1", 15, owner=OrganisationFactory()),
    }
    void_event(SYSTEM, made["voided"], reason="Ghi nhầm", version=None)
    db.session.commit()
    return made


def listed(html: str) -> list[str]:
    return re.findall(r'<input class="form-check-input" type="checkbox" name="event" value="(\d+)"', html)


def ids(*events: Any) -> list[str]:
    return [str(event.id) for event in events]


def test_the_owner_ticks_its_recent_certificates_and_prints_their_labels(
    client, auth, enterprise_manager, certificates
):
    owner = logged_in(client, auth, enterprise_manager)
    home = owner.get("/").get_data(as_text=True)
    assert 'data-testid="choose-labels"' in home and 'data-testid="menu-labels"' in home

    page = owner.get("/labels/choose").get_data(as_text=True)
    c = certificates
    # The last 90 days, newest first; not last year's, not the voided one, not another owner's.
    assert listed(page) == ids(c["recent"], c["taxi"], c["older"])
    assert "GCN-CD-1" in page and "T-1" in page and "checked" not in page

    ticked = owner.get("/labels/choose?all=1").get_data(as_text=True)
    assert ticked.count(" checked") == 3
    sheet = owner.get("/labels?" + urlencode([("event", value) for value in listed(ticked)[:2]]))
    html = sheet.get_data(as_text=True)
    assert sheet.status_code == 200 and html.count('data-testid="label"') == 2
    assert "CD-1" in html and "TX-1" in html and "CD-2" not in html


def test_the_period_and_the_type_narrow_the_list(client, auth, enterprise_manager, certificates):
    owner = logged_in(client, auth, enterprise_manager)
    c = certificates
    whole_year = owner.get(f"/labels/choose?since={days_ago(365).isoformat()}").get_data(as_text=True)
    assert listed(whole_year) == ids(c["recent"], c["taxi"], c["older"], c["last_year"])
    window = f"since={days_ago(30).isoformat()}&until={days_ago(15).strftime('%d/%m/%Y')}"
    assert listed(owner.get(f"/labels/choose?{window}").get_data(as_text=True)) == ids(c["taxi"])
    taxis = owner.get("/labels/choose?type_code=TAXIMETER").get_data(as_text=True)
    assert listed(taxis) == ids(c["taxi"])

    backwards = owner.get(f"/labels/choose?since={days_ago(5).isoformat()}&until={days_ago(50).isoformat()}")
    assert backwards.status_code == 422 and field_errors(backwards.get_data(as_text=True)) == {"until"}
    assert owner.get("/labels/choose?since=31/02/2026").status_code == 422


def test_the_lab_chooses_among_the_certificates_it_issued(client, auth, lab_technician, certificates):
    lab = logged_in(client, auth, lab_technician)
    c = certificates
    assert listed(lab.get("/labels/choose").get_data(as_text=True)) == ids(
        c["recent"], c["other"], c["taxi"], c["older"]
    )


def test_from_the_item_page_every_certificate_of_that_item_and_no_one_elses(
    client, auth, enterprise_manager, certificates
):
    owner = logged_in(client, auth, enterprise_manager)
    c = certificates
    item = c["last_year"].item
    page = owner.get(f"/instruments/{item.id}").get_data(as_text=True)
    link = re.search(r'href="([^"]+)" data-testid="item-labels"', page)
    assert link is not None
    chosen = owner.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert listed(chosen) == ids(c["last_year"]) and "CD-3" in chosen
    assert owner.get(f"/labels/choose?item={c['other'].item_id}").status_code == 404
    assert owner.get("/labels/choose?item=abc").status_code == 404


def test_another_enterprise_has_nothing_to_choose(client, auth, certificates):
    stranger = logged_in(client, auth, user_with_role(Role.ENTERPRISE_MANAGER))
    page = stranger.get(f"/labels/choose?since={days_ago(365).isoformat()}").get_data(as_text=True)
    assert listed(page) == [] and 'data-testid="no-candidates"' in page
