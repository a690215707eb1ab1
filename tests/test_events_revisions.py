"""Events after they are recorded: amendments, voids, repairs, the accredited scope, measurement
points, finding the item, and who sees what — through the service, on both databases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from registry.audit import services as audit
from registry.audit.services import history
from registry.auth.models import Role
from registry.core.dates import local_today
from registry.core.errors import ConflictError, ForbiddenError, NotFoundError, ServiceError
from registry.events.item_validity import report_repair
from registry.events.naming import find_item
from registry.events.recording import record_event
from registry.events.revisions import amend_event, get_event, revisions, void_event
from registry.extensions import db
from registry.items.models import Item
from registry.items.services import get_item
from registry.items.status import Status, status_of
from tests.factories import (
    InstrumentFactory,
    OrganisationFactory,
    StandardFactory,
    lab_with_credentials,
    record_verification,
    user_with_role,
)
from tests.helpers import SYSTEM

pytestmark = pytest.mark.usefixtures("english")


def test_an_amendment_is_a_new_revision_of_the_same_certificate_and_the_item_follows_it(lab_technician):
    dispenser = InstrumentFactory()
    first = record_verification(lab_technician, dispenser)
    today = local_today()
    second = amend_event(
        lab_technician,
        first,
        {"performed_on": today - timedelta(days=40)},
        reason="Ngày kiểm định ghi nhầm",
        version=first.version,
    )
    assert (second.certificate_number, second.revision, second.original_id) == (
        first.certificate_number,
        1,
        first.id,
    )
    assert (first.state, first.state_reason, second.state) == (
        "amended",
        "Ngày kiểm định ghi nhầm",
        "current",
    )
    assert dispenser.last_event_on == today - timedelta(days=40)
    third = amend_event(lab_technician, second, {"stamp_number": "T-2"}, reason="Số tem", version=None)
    assert (third.revision, third.original_id) == (2, first.id)
    assert revisions(first) == revisions(third) == [first, second, third]
    assert history("events", first.id)[-1].reason == "Ngày kiểm định ghi nhầm"


def test_an_amendment_needs_a_reason_a_change_and_the_current_revision(lab_technician):
    event = record_verification(lab_technician, InstrumentFactory())
    with pytest.raises(ServiceError) as caught:
        amend_event(lab_technician, event, {"stamp_number": "T-9"}, reason="  ", version=None)
    assert "reason" in caught.value.fields
    with pytest.raises(ServiceError) as caught:
        amend_event(lab_technician, event, {"stamp_number": event.stamp_number}, reason="x", version=None)
    assert "Nothing was changed" in str(caught.value.fields["_"])
    with pytest.raises(ConflictError):
        amend_event(lab_technician, event, {"stamp_number": "T-9"}, reason="x", version=event.version + 1)
    amend_event(lab_technician, event, {"stamp_number": "T-9"}, reason="x", version=None)
    with pytest.raises(ServiceError) as caught:
        amend_event(lab_technician, event, {"stamp_number": "T-10"}, reason="x", version=None)
    assert "amend or void the current one" in str(caught.value.fields["_"])


def test_an_amendment_meets_every_rule_of_a_new_event(lab_technician):
    event = record_verification(lab_technician, InstrumentFactory())
    today = local_today()
    with pytest.raises(ServiceError) as caught:  # a pass turned into a fail needs a record and no stamp
        amend_event(lab_technician, event, {"result": "fail"}, reason="x", version=None)
    assert set(caught.value.fields) == {"record_number", "stamp_number"}
    with pytest.raises(ServiceError) as caught:
        amend_event(
            lab_technician,
            event,
            {"performed_on": today + timedelta(days=1)},
            reason="x",
            version=None,
        )
    assert "future" in str(caught.value.fields["performed_on"])
    with pytest.raises(ServiceError) as caught:
        amend_event(lab_technician, event, {"kind": "calibration"}, reason="x", version=None)
    assert "kind" in caught.value.fields
    assert event.state == "current"


def test_a_failed_amendment_leaves_the_item_as_it_was(lab_technician):
    dispenser = InstrumentFactory()
    event = record_verification(lab_technician, dispenser)
    before = (dispenser.valid_until, dispenser.last_result)
    with pytest.raises(ServiceError):
        amend_event(
            lab_technician,
            event,
            {"valid_until": date(2099, 1, 1)},
            reason="x",
            version=None,
        )
    assert (dispenser.valid_until, dispenser.last_result, event.state) == (*before, "current")


def test_a_void_keeps_the_event_with_its_reason_and_the_item_falls_back_to_its_previous_result(
    lab_technician,
):
    dispenser = InstrumentFactory()
    today = local_today()
    older = record_verification(lab_technician, dispenser, performed_on=today - timedelta(days=400))
    newer = record_verification(lab_technician, dispenser)
    assert dispenser.valid_until == newer.valid_until
    void_event(lab_technician, newer, reason="Ghi nhầm thiết bị", version=newer.version)
    assert (newer.state, newer.state_reason) == ("void", "Ghi nhầm thiết bị")
    assert dispenser.valid_until == older.valid_until and status_of(dispenser, today) == Status.OVERDUE
    void_event(lab_technician, older, reason="Ghi nhầm", version=None)
    assert status_of(dispenser, today) == Status.NEVER
    with pytest.raises(ServiceError):
        void_event(lab_technician, older, reason="again", version=None)
    with pytest.raises(ServiceError) as caught:
        void_event(
            lab_technician, record_verification(lab_technician, InstrumentFactory()), reason="", version=None
        )
    assert "reason" in caught.value.fields


def test_only_the_recording_lab_or_the_departments_admin_amends_or_voids(lab_technician, lab):
    event = record_verification(lab_technician, InstrumentFactory())
    other_lab = user_with_role(Role.PROVIDER_MANAGER, organisation=lab_with_credentials())
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    # Those who see the event (the Department, the item's owner) are forbidden to change it …
    for outsider in (officer, user_with_role(Role.ENTERPRISE_MANAGER, organisation=event.item.owner)):
        with pytest.raises(ForbiddenError):
            void_event(outsider, event, reason="x", version=None)
        with pytest.raises(ForbiddenError):
            amend_event(outsider, event, {"stamp_number": "T-9"}, reason="x", version=None)
    # … another lab does not even see it: not found, never "forbidden", which would tell it exists.
    with pytest.raises(NotFoundError):
        void_event(other_lab, event, reason="x", version=None)
    with pytest.raises(NotFoundError):
        amend_event(other_lab, event, {"stamp_number": "T-9"}, reason="x", version=None)
    assert event.state == "current"
    admin = user_with_role(Role.DEPARTMENT_ADMIN)
    assert void_event(admin, event, reason="Quyết định thu hồi", version=None).state == "void"


def test_the_departments_admin_records_on_a_labs_behalf_with_a_reason_and_the_officer_may_not(lab):
    admin = user_with_role(Role.DEPARTMENT_ADMIN)
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    dispenser = InstrumentFactory()
    with pytest.raises(ServiceError) as caught:
        record_verification(admin, dispenser, verifier_card=f"KĐV-{lab.code}")
    assert "provider" in caught.value.fields
    with pytest.raises(ServiceError) as caught:
        record_verification(admin, dispenser, verifier_card=f"KĐV-{lab.code}", provider=lab.code)
    assert "reason" in caught.value.fields
    event = record_verification(
        admin, dispenser, verifier_card=f"KĐV-{lab.code}", provider=lab.code, reason="Nhập hộ từ hồ sơ giấy"
    )
    assert event.provider == lab
    assert history("events", event.id)[0].reason == "Nhập hộ từ hồ sơ giấy"
    with pytest.raises(ForbiddenError):
        record_verification(officer, InstrumentFactory(), provider=lab.code, reason="x")


def test_a_lab_records_for_its_own_organisation_only(lab_technician):
    other = lab_with_credentials()
    with pytest.raises(ServiceError) as caught:
        record_verification(lab_technician, InstrumentFactory(), provider=other.code)
    assert "own organisation" in str(caught.value.fields["provider"])


def test_a_repair_puts_a_group2_instrument_out_of_validity_until_a_verification_after_repair(lab_technician):
    dispenser = InstrumentFactory()
    owner_manager = user_with_role(Role.ENTERPRISE_MANAGER, organisation=dispenser.owner)
    today = local_today()
    record_verification(lab_technician, dispenser, performed_on=today - timedelta(days=60))
    report_repair(
        owner_manager,
        dispenser,
        repaired_on=today - timedelta(days=10),
        reason="Thay bo mạch",
        version=None,
    )
    assert status_of(dispenser, today) == Status.AWAITING_REVERIFICATION and dispenser.needs_reverification
    record_verification(
        lab_technician, dispenser, performed_on=today - timedelta(days=5)
    )  # periodic: not enough
    assert dispenser.needs_reverification
    after = record_verification(
        lab_technician, dispenser, kind="verification_after_repair", performed_on=today - timedelta(days=2)
    )
    assert not dispenser.needs_reverification and status_of(dispenser, today) == Status.VALID
    void_event(lab_technician, after, reason="Ghi nhầm", version=None)
    assert dispenser.needs_reverification  # the void brings the repair back
    with pytest.raises(ServiceError) as caught:
        report_repair(
            owner_manager,
            dispenser,
            repaired_on=today + timedelta(days=1),
            reason="x",
            version=None,
        )
    assert "future" in str(caught.value.fields["repaired_on"])
    with pytest.raises(ForbiddenError):
        report_repair(lab_technician, dispenser, repaired_on=today, reason="x", version=None)


def test_a_calibration_outside_the_accredited_scope_is_stored_and_marked(lab_technician, lab):
    today = local_today()
    balance = InstrumentFactory(type_code="BALANCE_PRECISION", internal=True)  # mass: in scope
    pressure = InstrumentFactory(type_code="PRESSURE_GAUGE", internal=True)  # pressure: not accredited
    common = {
        "kind": "calibration",
        "performed_on": today - timedelta(days=3),
        "result": "pass",
    }
    inside = record_event(lab_technician, {"item": balance, "certificate_number": "HC-1", **common})
    outside = record_event(lab_technician, {"item": pressure, "certificate_number": "HC-2", **common})
    assert (inside.outside_accredited_scope, outside.outside_accredited_scope) == (False, True)
    assert pressure.valid_until == outside.valid_until  # still counts


def test_measurement_points_are_kept_as_given_and_wrong_ones_named(lab_technician):
    today = local_today()
    balance = InstrumentFactory(type_code="BALANCE_PRECISION", internal=True)
    common = {"item": balance, "kind": "calibration", "performed_on": today, "result": "pass"}
    points = [
        {"nominal": "100", "as_found": "100,003", "as_left": 100.001, "mpe": "0.005", "unit": "g"},
        {"nominal": "", "unit": ""},  # an empty row is dropped
    ]
    event = record_event(
        lab_technician, {"certificate_number": "HC-1", "measurement_points": points, **common}
    )
    assert event.measurement_points == [
        {"nominal": "100", "as_found": "100.003", "as_left": "100.001", "mpe": "0.005", "unit": "g"}
    ]
    for wrong, field in (
        ([{"nominal": "một trăm"}], "measurement_points.1.nominal"),
        ([{"nominal": "1"}, {"as_found": True}], "measurement_points.2.as_found"),
        ([{"nominal": "1", "colour": "red"}], "measurement_points.1.colour"),
        ([{"nominal": "NaN"}], "measurement_points.1.nominal"),
        ("100 g", "measurement_points"),
        ([{"nominal": "1"}] * 101, "measurement_points"),
    ):
        with pytest.raises(ServiceError) as caught:
            record_event(
                lab_technician, {"certificate_number": "HC-2", "measurement_points": wrong, **common}
            )
        assert field in caught.value.fields, wrong


def test_an_item_is_found_by_owner_serial_and_type_and_a_lab_may_name_any_owner(lab_technician):
    owner = OrganisationFactory(code="CXD-KT")
    dispenser = InstrumentFactory(owner=owner, serial_number="TD-01")
    assert find_item(lab_technician, owner="cxd-kt", serial_number="TD-01", type_code=None) == dispenser
    twin = InstrumentFactory(owner=owner, serial_number="TD-01", type_code="TAXIMETER")
    with pytest.raises(ServiceError) as caught:
        find_item(lab_technician, owner="CXD-KT", serial_number="TD-01", type_code="")
    assert "type_code" in caught.value.fields
    assert find_item(lab_technician, owner="CXD-KT", serial_number="TD-01", type_code="taximeter") == twin
    with pytest.raises(ServiceError) as caught:
        find_item(lab_technician, owner="CXD-KT", serial_number="TD-02", type_code=None)
    assert "register it first" in str(caught.value.fields["serial_number"])
    stranger = user_with_role(Role.ENTERPRISE_MANAGER)
    with pytest.raises(ServiceError) as caught:
        find_item(stranger, owner="CXD-KT", serial_number="TD-01", type_code="FUEL_DISPENSER")
    assert "owner" in caught.value.fields


def test_a_lab_sees_the_items_it_served_and_their_owners_see_the_events(lab_technician, lab):
    dispenser = InstrumentFactory()
    with pytest.raises(NotFoundError):
        get_item(lab_technician, dispenser.id, Item)
    event = record_verification(lab_technician, dispenser)
    assert get_item(lab_technician, dispenser.id, Item) == dispenser
    owner_viewer = user_with_role(Role.ENTERPRISE_VIEWER, organisation=dispenser.owner)
    assert get_event(owner_viewer, event.id) == event
    for stranger in (user_with_role(Role.ENTERPRISE_MANAGER), user_with_role(Role.PROVIDER_MANAGER)):
        with pytest.raises(NotFoundError):
            get_event(stranger, event.id)


def test_standards_used_must_be_the_labs_own(lab_technician):
    with pytest.raises(ServiceError) as caught:
        record_verification(lab_technician, InstrumentFactory(), standards_used=[StandardFactory(valid=True)])
    assert "own standards" in str(caught.value.fields["standards_used"])


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET result = 'fail'",
        "UPDATE events SET valid_until = NULL",
        "UPDATE events SET certificate_number = 'FORGED'",
        "DELETE FROM events",
        "DELETE FROM event_standards",
    ],
)
def test_the_database_refuses_to_edit_or_delete_a_recorded_event(lab_technician, lab, statement):
    standard = StandardFactory(owner=lab, valid=True)
    event = record_verification(lab_technician, InstrumentFactory(), standards_used=[standard])
    savepoint = db.session.begin_nested()
    with pytest.raises(sa.exc.DatabaseError, match="immutable"):
        db.session.execute(sa.text(statement))
    savepoint.rollback()
    db.session.expire_all()
    assert (event.result, event.certificate_number, event.standards_used) == (
        "pass",
        event.certificate_number,
        [standard],
    )


def test_the_state_of_an_event_may_still_move(lab_technician):
    event = record_verification(lab_technician, InstrumentFactory())
    void_event(lab_technician, event, reason="Nhầm", version=None)
    db.session.flush()
    db.session.expire_all()
    assert event.state == "void"


def test_an_enterprise_cannot_tell_which_organisation_codes_exist():
    OrganisationFactory(code="BI-MAT")
    manager = user_with_role(Role.ENTERPRISE_MANAGER)
    answers = []
    for code in ("BI-MAT", "KHONG-CO"):
        with pytest.raises(ServiceError) as caught:
            find_item(manager, owner=code, serial_number="X-1", type_code=None)
        answers.append(caught.value.fields)
    assert answers[0] == answers[1] and "own organisation" in str(answers[0]["owner"])


def test_a_lab_amends_and_voids_its_own_intermediate_check(lab_technician, lab):
    standard = StandardFactory(owner=lab, valid=True)
    today = local_today()
    check = record_event(
        lab_technician,
        {"item": standard, "kind": "intermediate_check", "performed_on": today, "result": "pass"},
    )
    assert check.provider == lab
    amended = amend_event(
        lab_technician, check, {"technician": "Lê Văn Kiểm"}, reason="Ghi tên", version=None
    )
    assert void_event(lab_technician, amended, reason="Kiểm tra lặp", version=None).state == "void"


def test_a_voided_certificate_number_is_issued_again_as_its_next_revision(lab_technician):
    wrong, right = InstrumentFactory(), InstrumentFactory()
    event = record_verification(lab_technician, wrong, certificate_number="GCN-LẠI")
    with pytest.raises(ServiceError):
        record_verification(lab_technician, right, certificate_number="GCN-LẠI")
    void_event(lab_technician, event, reason="Ghi nhầm sang phương tiện khác", version=None)
    again = record_verification(lab_technician, right, certificate_number="GCN-LẠI")
    assert (again.revision, again.state, event.state) == (1, "current", "void")


def test_an_amendment_of_a_detail_keeps_the_validity_issued_after_the_interval_changes(lab_technician):
    today = local_today()
    balance = InstrumentFactory(type_code="BALANCE_PRECISION", internal=True, interval_months=12)
    event = record_event(
        lab_technician,
        {
            "item": balance,
            "kind": "calibration",
            "performed_on": today - timedelta(days=60),
            "result": "pass",
            "certificate_number": "HC-9",
        },
    )
    with audit.reason("test set-up"):
        balance.interval_months = 1
    revision = amend_event(lab_technician, event, {"technician": "Người khác"}, reason="Tên", version=None)
    assert revision.valid_until == event.valid_until


def test_an_amendment_that_changes_nothing_as_stored_is_refused(lab_technician):
    event = record_verification(lab_technician, InstrumentFactory())
    with pytest.raises(ServiceError) as caught:
        amend_event(
            lab_technician,
            event,
            {"technician": None, "record_number": ""},
            reason="x",
            version=None,
        )
    assert "Nothing was changed" in str(caught.value.fields["_"])


def test_a_standard_is_judged_by_its_validity_on_the_events_date(lab_technician, lab):
    today = local_today()
    standard = StandardFactory(owner=lab, interval_months=12)
    quatest = lab_with_credentials()
    calibrate = {"item": standard, "kind": "calibration", "result": "pass", "provider": quatest.code}
    record_event(
        SYSTEM,
        {"performed_on": today - timedelta(days=800), "certificate_number": "HC-OLD", **calibrate},
    )
    record_event(
        SYSTEM,
        {"performed_on": today - timedelta(days=10), "certificate_number": "HC-NEW", **calibrate},
    )
    # 400 days ago the standard's calibration of 800 days ago had lapsed: refused without a reason.
    with pytest.raises(ServiceError) as caught:
        record_verification(
            lab_technician,
            InstrumentFactory(),
            performed_on=today - timedelta(days=400),
            standards_used=[standard],
        )
    assert "give a reason" in str(caught.value.fields["standards_used"])
    recent = record_verification(
        lab_technician, InstrumentFactory(), performed_on=today - timedelta(days=5), standards_used=[standard]
    )
    assert recent.standards_used == [standard]
