"""The traceability chain upward: an event's standards, the calibrations they stood on the day they were
used, those calibrations' standards, up to a national standard or an external body; each link's validity
on its day, broken links shown as such, cycles and depth bounded, and each link as the viewer may see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from flask import url_for

from registry.auth.models import Role, User
from registry.core.dates import today_is
from registry.events.recording import record_event
from registry.events.traceability import MAX_DEPTH, End, chain_of_event, chain_of_item
from registry.items.models import Instrument, MeasurementStandard
from registry.items.status import Status
from tests.factories import (
    InstrumentFactory,
    OrganisationFactory,
    StandardFactory,
    lab_with_credentials,
    user_with_role,
)
from tests.helpers import SYSTEM, logged_in

pytestmark = pytest.mark.usefixtures("english")

TODAY = date(2026, 11, 24)


@pytest.fixture(autouse=True)
def _today():
    with today_is(TODAY):
        yield


def calibrate(standard: Any, lab: Any, day: date, used: list[Any], **changes: Any) -> Any:
    """``lab`` calibrates ``standard`` on ``day`` with the standards ``used`` (the system records it)."""
    values = {
        "item": standard,
        "provider": lab.code,
        "kind": "calibration",
        "performed_on": day,
        "result": "pass",
        "certificate_number": f"{lab.code}/{day.isoformat()}/{standard.id}",
        "standards_used": used,
    }
    return record_event(SYSTEM, values | changes)


@dataclass
class Province:
    """A dispenser verified by a lab with its working standard, calibrated by QUATEST with its reference
    standard, calibrated by the national institute with the national standard (traceable to the BIPM)."""

    national: MeasurementStandard
    reference: MeasurementStandard
    working: MeasurementStandard
    dispenser: Instrument
    verification: Any
    lab_manager: User
    quatest_manager: User
    enterprise_manager: User


@pytest.fixture
def province() -> Province:
    institute, quatest, lab = (lab_with_credentials() for _ in range(3))
    national = StandardFactory(
        owner=institute, name="Chuẩn quốc gia khối lượng", level="national", traceable_to="BIPM (KCDB)"
    )
    calibrate(national, institute, date(2025, 1, 5), [], certificate_number="BIPM-2025-17")
    reference = StandardFactory(owner=quatest, name="Quả cân chuẩn E2", level="reference")
    calibrate(reference, institute, date(2025, 2, 10), [national])
    working = StandardFactory(owner=lab, name="Quả cân chuẩn F1", serial_number="F1-LAB-01")
    calibrate(working, quatest, date(2025, 6, 1), [reference])
    dispenser = InstrumentFactory()
    verification = record_event(
        SYSTEM,
        {
            "item": dispenser,
            "provider": lab.code,
            "kind": "verification_periodic",
            "performed_on": date(2026, 3, 10),
            "result": "pass",
            "certificate_number": "GCN-001",
            "stamp_number": "T-1",
            "verifier_card": f"KĐV-{lab.code}",
            "standards_used": [working],
        },
    )
    return Province(
        national,
        reference,
        working,
        dispenser,
        verification,
        user_with_role(Role.PROVIDER_MANAGER, lab),
        user_with_role(Role.PROVIDER_MANAGER, quatest),
        user_with_role(Role.ENTERPRISE_MANAGER, dispenser.owner),
    )


def names(links: list[Any]) -> list[Any]:
    """The chain as nested (name, status, end) tuples."""
    return [(link.name, link.status, link.end, names(link.links)) for link in links]


def test_the_chain_goes_up_to_the_national_standard_with_each_link_valid_on_its_day(
    province, department_admin
):
    chain = chain_of_event(department_admin, province.verification)
    assert names(chain) == [
        (
            "Quả cân chuẩn F1",
            Status.VALID,
            None,
            [
                (
                    "Quả cân chuẩn E2",
                    Status.VALID,
                    None,
                    [("Chuẩn quốc gia khối lượng", Status.VALID, End.NATIONAL, [])],
                )
            ],
        )
    ]
    working = chain[0]
    assert (working.used_on, working.depth, working.valid) == (date(2026, 3, 10), 1, True)
    assert working.calibration.performed_on == date(2025, 6, 1)
    assert date(2026, 3, 10) < working.calibration.valid_until < date(2026, 7, 1)
    reference = working.links[0]
    assert (reference.used_on, reference.depth) == (date(2025, 6, 1), 2)  # the day QUATEST used it
    top = reference.links[0]
    assert (top.body, top.end_text) == ("BIPM (KCDB)", "National standard")
    assert top.calibration.certificate_number == "BIPM-2025-17"


def test_a_standard_overdue_on_the_day_it_was_used_is_a_broken_link_even_if_calibrated_since(
    province, department_admin
):
    late = record_event(
        SYSTEM,
        {
            "item": InstrumentFactory(),
            "provider": province.working.owner.code,
            "kind": "verification_periodic",
            "performed_on": date(2026, 7, 1),  # the working standard's calibration ran out in June
            "result": "pass",
            "certificate_number": "GCN-002",
            "stamp_number": "T-2",
            "verifier_card": f"KĐV-{province.working.owner.code}",
            "standards_used": [province.working],
            "override_reason": "Chuẩn đang chờ hiệu chuẩn lại",
        },
    )
    calibrate(
        province.working,
        province.reference.owner,
        date(2026, 8, 1),
        [province.reference],
        override_reason="x",
    )

    [link] = chain_of_event(department_admin, late)
    assert (link.status, link.valid) == (Status.OVERDUE, False)
    assert link.calibration.performed_on == date(2025, 6, 1)  # not the calibration made afterwards
    assert [above.name for above in link.links] == ["Quả cân chuẩn E2"]  # the chain above still shows
    [earlier] = chain_of_event(department_admin, province.verification)
    assert earlier.valid


def test_a_standard_with_no_result_on_the_day_is_broken_and_ends_the_chain(province, department_admin):
    lab = province.working.owner
    spare = StandardFactory(owner=lab, name="Quả cân dự phòng")
    calibrate(spare, province.reference.owner, date(2026, 9, 1), [], override_reason="x")  # calibrated later
    event = calibrate(
        StandardFactory(owner=OrganisationFactory(provider=True)),
        lab,
        date(2026, 8, 1),
        [spare],
        override_reason="Chưa có kết quả hiệu chuẩn",
    )
    [link] = chain_of_event(department_admin, event)
    assert (link.status, link.valid, link.calibration, link.links) == (Status.NEVER, False, None, [])
    assert (link.end, link.end_text) == (End.NOT_STATED, "Traceability not stated")


def test_the_top_may_be_a_stated_external_body_or_the_calibrating_organisation(province, department_admin):
    lab = province.working.owner
    stated = StandardFactory(owner=lab, name="Nhiệt kế chuẩn", traceable_to="PTB (Germany)")
    calibrate(stated, lab, date(2026, 1, 5), [])
    outside = StandardFactory(owner=lab, name="Áp kế chuẩn")
    calibrate(outside, province.reference.owner, date(2026, 1, 6), [])
    event = calibrate(StandardFactory(), lab, date(2026, 2, 1), [stated, outside])
    ends = {link.name: (link.end, link.end_text) for link in chain_of_event(department_admin, event)}
    assert ends == {
        "Nhiệt kế chuẩn": (End.TRACEABLE_TO, "Traceable to PTB (Germany)"),
        "Áp kế chuẩn": (
            End.EXTERNAL,
            f"Calibrated by {province.reference.owner.name}; the standards it used are not recorded here",
        ),
    }


def test_a_cycle_is_shown_once_and_not_followed_again(department_admin):
    lab = lab_with_credentials()
    first, second = StandardFactory(owner=lab, name="A"), StandardFactory(owner=lab, name="B")
    day = date(2026, 1, 10)
    reason = {"override_reason": "So sánh chéo"}
    calibrate(first, lab, day, [second], **reason)
    calibrate(second, lab, day, [first], **reason)
    event = calibrate(StandardFactory(), lab, date(2026, 2, 1), [first])
    assert names(chain_of_event(department_admin, event)) == [
        ("A", Status.VALID, None, [("B", Status.VALID, None, [("A", Status.VALID, End.CYCLE, [])])])
    ]


def test_the_chain_stops_at_its_depth_bound(department_admin):
    lab = lab_with_credentials()
    standards = [StandardFactory(owner=lab, name=f"S{n}") for n in range(MAX_DEPTH + 2)]
    day = date(2025, 1, 1)
    for below, above in zip(reversed(standards[:-1]), reversed(standards[1:]), strict=True):
        calibrate(below, lab, day, [above], override_reason="Chuỗi dài")
    event = calibrate(StandardFactory(), lab, date(2025, 2, 1), [standards[0]])
    link, depth = chain_of_event(department_admin, event)[0], 1
    while link.links:
        [link], depth = link.links, depth + 1
    assert (depth, link.depth, link.name, link.end) == (MAX_DEPTH, MAX_DEPTH, f"S{MAX_DEPTH - 1}", End.DEPTH)


def test_another_labs_standard_shows_its_public_facts_only(province):
    [working] = chain_of_event(province.enterprise_manager, province.verification)
    assert (working.name, working.owner_name, working.valid) == (
        "Quả cân chuẩn F1",
        province.working.owner.name,
        True,
    )
    assert (working.item, working.id, working.serial_number, working.level) == (None, None, None, None)
    assert working.calibration.certificate_number.startswith(province.reference.owner.code)
    assert (working.calibration.event, working.calibration.id) == (None, None)
    assert working.links[0].links[0].end == End.NATIONAL

    # The lab sees its own standard and the calibration of it, not QUATEST's standard nor its calibration.
    [own] = chain_of_event(province.lab_manager, province.verification)
    assert (own.item, own.serial_number, own.level) == (province.working, "F1-LAB-01", "working")
    assert own.calibration.event is not None
    [reference] = own.links
    assert (reference.item, reference.calibration.event) == (None, None)


def test_an_items_chain_is_that_of_its_latest_result(province, department_admin):
    chain = chain_of_item(department_admin, province.dispenser)
    assert chain is not None and chain.event == province.verification
    assert [link.name for link in chain.links] == ["Quả cân chuẩn F1"]
    standard_chain = chain_of_item(department_admin, province.working)
    assert [link.name for link in standard_chain.links] == ["Quả cân chuẩn E2"]
    assert chain_of_item(department_admin, InstrumentFactory()) is None


def test_the_event_api_answers_the_chain_on_the_detail_only_and_hides_what_the_caller_may_not_see(
    province, api
):
    client = api(province.enterprise_manager)
    answer = client.get(f"/api/v1/events/{province.verification.id}")
    assert answer.status_code == 200
    [working] = answer.json["chain"]
    assert {
        key: working[key] for key in ("depth", "used_on", "status", "valid", "id", "name", "serial_number")
    } == {
        "depth": 1,
        "used_on": "2026-03-10",
        "status": "valid",
        "valid": True,
        "id": None,
        "name": "Quả cân chuẩn F1",
        "serial_number": None,
    }
    assert working["owner"] == province.working.owner.code
    assert working["calibration"]["id"] is None
    assert working["calibration"]["performed_on"] == "2025-06-01"
    [reference] = working["links"]
    [national] = reference["links"]
    assert (national["end"], national["body"], national["links"]) == ("national", "BIPM (KCDB)", [])
    assert reference["end"] is None

    own = api(province.lab_manager).get(f"/api/v1/events/{province.verification.id}").json["chain"][0]
    assert (own["id"], own["serial_number"], own["level"]) == (province.working.id, "F1-LAB-01", "working")

    listed = client.get("/api/v1/events", query_string={"item": province.dispenser.id}).json["items"]
    assert [event["id"] for event in listed] == [province.verification.id]
    assert "chain" not in listed[0]


def chain_html(page: str) -> str:
    start = page.index('data-testid="chain"')
    return page[start : page.index("</section>", start)]


def test_the_event_page_shows_the_chain_with_links_only_to_what_the_viewer_may_see(
    province, client, auth, app
):
    logged_in(client, auth, province.enterprise_manager)
    chain = chain_html(client.get(f"/events/{province.verification.id}").get_data(as_text=True))
    assert "Traceability chain" in chain
    assert chain.count('data-testid="chain-link"') == 3
    for text in ("Quả cân chuẩn F1", "Quả cân chuẩn E2", "Chuẩn quốc gia khối lượng", "National standard"):
        assert text in chain
    assert "traceable to BIPM (KCDB)" in chain
    assert province.working.owner.name in chain
    assert "F1-LAB-01" not in chain  # another lab's standard: its public facts only
    assert "/standards/" not in chain and "/events/" not in chain  # no page that would answer 404
    assert "Broken link" not in chain


def test_the_lab_sees_links_to_its_own_standard_and_its_calibration(province, client, auth, app):
    logged_in(client, auth, province.lab_manager)
    chain = chain_html(client.get(f"/events/{province.verification.id}").get_data(as_text=True))
    with app.test_request_context():
        standard_url = url_for("items.standard", item_id=province.working.id)
    assert f'href="{standard_url}"' in chain
    assert "serial number F1-LAB-01" in chain
    calibration = chain_of_event(province.lab_manager, province.verification)[0].calibration
    assert f'href="/events/{calibration.id}"' in chain
    assert chain.count("href=") == 2  # QUATEST's standard and the institute's: no links


def test_a_broken_link_is_shown_as_such_on_the_item_page(province, client, auth):
    lab = province.working.owner
    dispenser = InstrumentFactory(owner=province.dispenser.owner)
    record_event(
        SYSTEM,
        {
            "item": dispenser,
            "provider": lab.code,
            "kind": "verification_periodic",
            "performed_on": date(2026, 7, 1),
            "result": "pass",
            "certificate_number": "GCN-003",
            "stamp_number": "T-3",
            "verifier_card": f"KĐV-{lab.code}",
            "standards_used": [province.working],
            "override_reason": "Chuẩn đang chờ hiệu chuẩn lại",
        },
    )
    logged_in(client, auth, province.enterprise_manager)
    chain = chain_html(client.get(f"/instruments/{dispenser.id}").get_data(as_text=True))
    assert "Through the result its validity stands on:" in chain
    assert "Broken link" in chain and "Overdue" in chain and "01/07/2026" in chain
    never = chain_html(
        client.get(f"/instruments/{InstrumentFactory(owner=dispenser.owner).id}").get_data(as_text=True)
    )
    assert "nothing to trace" in never


def test_the_chain_conforms_to_the_openapi_document(province, api, app):
    """A real chain, three links deep, against the document's schema of the event's detail."""
    import schemathesis

    client = api(province.lab_manager)
    response = client.get(f"/api/v1/events/{province.verification.id}")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema["/api/v1/events/{event_id}"]["GET"].validate_response(response)
    spec = client.get("/api/v1/openapi.json").get_json()
    link = spec["components"]["schemas"]["ChainLink"]["properties"]
    assert link["links"]["items"] == {"$ref": "#/components/schemas/ChainLink"}


def test_a_standards_page_shows_where_its_own_chain_ends_when_its_result_names_no_standard(
    province, client, auth, department_admin
):
    chain = chain_of_item(department_admin, province.national)
    assert (chain.links, chain.end, chain.end_text) == ([], End.NATIONAL, "National standard")
    logged_in(client, auth, department_admin)
    page = chain_html(client.get(f"/standards/{province.national.id}").get_data(as_text=True))
    assert "Top of the chain" in page and "traceable to BIPM (KCDB)" in page
    assert "names no standard" not in page
