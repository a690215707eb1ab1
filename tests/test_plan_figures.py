"""The registry's own figures beside the plan's indicators: items by status, overdue Group 2 instruments by
district, credentials expiring within 60 days and credentials awaiting confirmation — each number linking
to a list that shows exactly the rows it counts."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from registry.core.dates import local_today
from registry.extensions import db
from registry.items.models import ItemKind
from registry.items.status import Status
from registry.plan import services
from registry.plan.figures import registry_figures
from tests.factories import AccreditationFactory, DesignationFactory, InstrumentFactory, VerifierFactory
from tests.helpers import SYSTEM, admin_unit, logged_in


def _registry() -> dict[str, Any]:
    today = local_today()
    city, district = admin_unit("608"), admin_unit("615")
    rows = {
        "city": InstrumentFactory.create_batch(2, overdue=True, site_admin_unit=city),
        "district": [InstrumentFactory(overdue=True, site_admin_unit=district)],
        # Overdue but not Group 2 (internal use), and Group 2 but not overdue: counted nowhere here.
        "internal": [InstrumentFactory(overdue=True, internal=True, site_admin_unit=city)],
        "valid": [InstrumentFactory(valid=True, site_admin_unit=city)],
    }
    rows["expiring"] = [
        AccreditationFactory(valid_to=today + timedelta(days=30)),
        VerifierFactory(valid_to=today),
        DesignationFactory(valid_to=today + timedelta(days=60), confirmation="pending"),
    ]
    # Later than 60 days, already ended, or rejected: not expiring.
    AccreditationFactory(valid_to=today + timedelta(days=61))
    VerifierFactory(valid_to=today - timedelta(days=1))
    DesignationFactory(valid_to=today + timedelta(days=10), confirmation="rejected")
    db.session.flush()
    return rows


def test_the_figures_count_overdue_group2_by_district_and_credentials():
    _registry()
    plan = services.get_plan(SYSTEM, "kontum-2021")
    figures = registry_figures(SYSTEM, plan, local_today())
    assert {row.code: row.count for row in figures.overdue_group2} == {"608": 2, "615": 1}
    assert figures.overdue_group2_total == 3
    assert figures.by_status[ItemKind.INSTRUMENT][Status.OVERDUE] == 4
    assert figures.by_status[ItemKind.INSTRUMENT][Status.VALID] == 1
    assert (figures.expiring, figures.pending) == (3, 1)


@pytest.fixture
def department(client: Any, auth: Any, department_officer: Any) -> Any:
    return logged_in(client, auth, department_officer)


def _link(page: str, marker: str) -> tuple[str, int]:
    found = re.search(rf'<a [^>]*href="([^"]+)"[^>]*{marker}[^>]*>(\d+)</a>', page)
    assert found is not None, marker
    return found.group(1).replace("&amp;", "&"), int(found.group(2))


def _listed(client: Any, url: str) -> int:
    page = client.get(url).get_data(as_text=True)
    total = re.search(r'data-testid="total">(\d+) item', page)
    return int(total.group(1)) if total else 0


def test_each_number_on_the_dashboard_opens_the_list_of_what_it_counts(department):
    rows = _registry()
    db.session.commit()
    page = department.get("/plan/").get_data(as_text=True)
    url, count = _link(page, 'data-testid="overdue-group2-total"')
    assert count == 3 and _listed(department, url) == 3
    url, count = _link(page, 'data-district="608"')
    assert count == 2 and _listed(department, url) == 2
    url, count = _link(page, 'data-status="instrument-overdue"')
    assert count == 4 and _listed(department, url) == 4
    url, count = _link(page, 'data-testid="expiring-credentials"')
    listed = department.get(url).get_data(as_text=True)
    assert count == 3 and all(credential.organisation.name in listed for credential in rows["expiring"])
    assert listed.count("<tr>") == 1 + 3
    url, count = _link(page, 'data-testid="pending-credentials"')
    assert count == 1 and rows["expiring"][2].decision_number in department.get(url).get_data(as_text=True)


def test_the_instrument_list_filters_group2_instruments(department):
    rows = _registry()
    db.session.commit()
    page = department.get("/instruments/?group2=y&status=overdue").get_data(as_text=True)
    assert "3 item" in page
    assert rows["internal"][0].serial_number not in page
