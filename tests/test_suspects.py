"""Reverse traceability (DESIGN §2 "Suspects"): a standard's bad result flags the events that used it since
its last good result, and down the chain; a standard used while overdue flags the event; the lab closes a
suspect with its impact assessment; voiding the bad result clears what it flagged."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from registry.auth.models import Role
from registry.core.errors import ForbiddenError, NotFoundError, ServiceError
from registry.events.item_validity import report_repair, status_on
from registry.events.recording import record_event
from registry.events.revisions import amend_event, void_event
from registry.events.suspects.services import assess_event, report, suspicions_of
from registry.extensions import db
from registry.items.status import Status
from tests.factories import (
    InstrumentFactory,
    ReferenceMaterialFactory,
    StandardFactory,
    lab_with_credentials,
    record_verification,
    user_with_role,
)
from tests.helpers import SYSTEM, days_ago

_numbers = itertools.count(1)


def calibrate(standard, days: int, *, result: str = "pass", by: str = "QT3-SUS", **values):
    """A calibration of ``standard`` ``days`` ago by the calibrating lab ``by``."""
    return record_event(
        SYSTEM,
        {
            "item": standard,
            "provider": by,
            "kind": "calibration",
            "performed_on": days_ago(days),
            "result": result,
            "certificate_number": f"HC-{next(_numbers):05d}",
        }
        | values,
    )


def use(user, standard, days: int, **values):
    """A verification of a new fuel dispenser by ``user``'s lab ``days`` ago, made with ``standard``."""
    return record_verification(
        user, InstrumentFactory(), performed_on=days_ago(days), standards_used=[standard], **values
    )


@pytest.fixture
def calibrating_lab():
    return lab_with_credentials(code="QT3-SUS")


@pytest.fixture
def standard(lab, calibrating_lab):
    """The lab's standard, calibrated 800 days ago every 24 months: overdue for the last 70 days or so."""
    standard = StandardFactory(owner=lab, interval_months=24)
    calibrate(standard, 800)
    return standard


def flags(*events):
    db.session.expire_all()
    return [event.suspect for event in events]


OUT_OF_TOLERANCE = [{"nominal": "1000", "as_found": "1000.9", "as_left": "1000.1", "mpe": "0.5", "unit": "g"}]


def test_a_standard_found_out_of_tolerance_flags_the_events_since_its_last_good_result(
    lab_technician, standard
):
    before = use(lab_technician, standard, 700)
    calibrate(standard, 400)
    since = [use(lab_technician, standard, 390), use(lab_technician, standard, 100)]
    assert flags(before, *since) == [False, False, False]

    bad = calibrate(standard, 50, measurement_points=OUT_OF_TOLERANCE)  # passes as left, after adjustment
    after = use(lab_technician, standard, 20)

    assert bad.as_found_out_of_tolerance and bad.result == "pass"
    assert flags(before, *since, after) == [False, True, True, False]
    rows = report(SYSTEM)
    assert {row.event.id for row in rows} == {event.id for event in since}
    assert {(row.suspicion.window_from, row.suspicion.window_to) for row in rows} == {
        (days_ago(400), days_ago(50))
    }
    assert all(row.suspicion.rule == "out_of_tolerance" and row.open for row in rows)


def test_the_lab_states_out_of_tolerance_as_found(lab_technician, standard):
    since = use(lab_technician, standard, 300)
    bad = calibrate(standard, 30, as_found_out_of_tolerance=True)
    assert bad.as_found_out_of_tolerance
    assert flags(since) == [True]


def test_down_the_chain_the_events_made_with_a_standard_calibrated_with_it_are_suspect(
    lab_technician, standard
):
    other_lab = lab_with_credentials(code="LAB2-SUS")
    other = user_with_role(Role.PROVIDER_TECHNICIAN, other_lab)
    working = StandardFactory(owner=other_lab)
    chained = record_event(
        lab_technician,
        {
            "item": working,
            "kind": "calibration",
            "performed_on": days_ago(300),
            "result": "pass",
            "certificate_number": "HC-CHAIN-1",
            "standards_used": [standard],
        },
    )
    downstream = use(other, working, 200)
    recalibrated = record_event(
        lab_technician,
        {
            "item": working,
            "kind": "calibration",
            "performed_on": days_ago(100),
            "result": "pass",
            "certificate_number": "HC-CHAIN-2",
            "standards_used": [],
        },
    )
    later = use(other, working, 50)

    calibrate(standard, 30, result="fail")

    assert flags(chained, downstream, recalibrated, later) == [True, True, False, False]
    depths = {row.event.id: row.suspicion.depth for row in report(SYSTEM)}
    assert depths[chained.id] == 0 and depths[downstream.id] == 1


def test_a_failed_standard_keeps_flagging_the_events_that_use_it_until_it_passes_again(
    lab_technician, standard
):
    calibrate(standard, 100, result="fail")
    used_anyway = use(lab_technician, standard, 50, override_reason="Chuẩn dự phòng đang sửa")
    calibrate(standard, 40)
    after = use(lab_technician, standard, 10)
    assert flags(used_anyway, after) == [True, False]
    assert {row.suspicion.rule for row in suspicions_of(used_anyway)} == {"failed"}


def test_a_standard_used_while_overdue_flags_the_event_when_it_is_recorded(lab_technician, standard):
    overdue = use(lab_technician, standard, 10, override_reason="Chưa kịp hiệu chuẩn lại")
    assert flags(overdue) == [True]
    (row,) = suspicions_of(overdue)
    assert row.suspicion.rule == "overdue" and row.suspicion.window_from is not None


def test_the_lab_closes_a_suspect_with_its_assessment_and_a_new_bad_result_opens_it_again(
    lab_technician, standard, english
):
    calibrate(standard, 400)
    event = use(lab_technician, standard, 300)
    calibrate(standard, 200, as_found_out_of_tolerance=True)
    assert flags(event) == [True]

    with pytest.raises(ServiceError) as refused:
        assess_event(lab_technician, event, decision="maybe", reason="")
    assert set(refused.value.fields) == {"decision", "reason"}
    assessment = assess_event(
        lab_technician, event, decision="no_effect", reason="Sai số nằm trong độ không đảm bảo của phép đo"
    )
    assert flags(event) == [False]
    (row,) = suspicions_of(event)
    assert row.assessment == assessment and not row.open
    with pytest.raises(ServiceError):
        assess_event(lab_technician, event, decision="no_effect", reason="again")

    # Amending the flagged event keeps its history; a later bad result of another standard flags it again.
    revision = amend_event(
        lab_technician, event, {"technician": "Người khác"}, reason="Sửa tên", version=None
    )
    assert flags(revision) == [False]
    assert report(SYSTEM, open_only=False)[0].assessment == assessment
    calibrate(standard, 100, as_found_out_of_tolerance=True)
    assert flags(revision) == [True]
    assert [row.open for row in suspicions_of(revision)] == [False, True]


def test_voiding_the_bad_result_clears_what_it_flagged(lab_technician, standard):
    event = use(lab_technician, standard, 300)
    bad = calibrate(standard, 30, result="fail")
    assert flags(event) == [True]
    void_event(SYSTEM, bad, reason="Ghi nhầm chuẩn", version=None)
    assert flags(event) == [False]


def test_amending_a_good_result_to_out_of_tolerance_flags_the_events(lab_technician, standard):
    event = use(lab_technician, standard, 300)
    result = calibrate(standard, 30)
    assert flags(event) == [False]
    amend_event(SYSTEM, result, {"as_found_out_of_tolerance": True}, reason="Quên ghi", version=None)
    assert flags(event) == [True]


def test_only_the_recording_lab_or_the_department_assesses(lab_technician, standard, enterprise_manager):
    event = use(lab_technician, standard, 10, override_reason="Chưa kịp hiệu chuẩn lại")
    owner_event = record_verification(
        lab_technician,
        InstrumentFactory(owner=enterprise_manager.organisation),
        performed_on=days_ago(5),
        standards_used=[standard],
        override_reason="Chưa kịp hiệu chuẩn lại",
    )
    with pytest.raises(NotFoundError):
        assess_event(enterprise_manager, event, decision="recall", reason="x")
    with pytest.raises(ForbiddenError):
        assess_event(enterprise_manager, owner_event, decision="recall", reason="x")
    assess_event(SYSTEM, owner_event, decision="customer_informed", reason="Đã báo khách hàng")
    assert flags(owner_event) == [False]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE suspicions SET rule = 'overdue'",
        "DELETE FROM suspicions",
        "UPDATE impact_assessments SET reason = 'forged'",
        "DELETE FROM impact_assessments",
    ],
)
def test_suspicions_and_assessments_are_append_only(lab_technician, standard, statement):
    event = use(lab_technician, standard, 10, override_reason="Chưa kịp hiệu chuẩn lại")
    assess_event(lab_technician, event, decision="recall", reason="Thu hồi và kiểm định lại")
    savepoint = db.session.begin_nested()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(sa.text(statement))
    savepoint.rollback()


def test_a_standard_awaiting_its_verification_after_repair_is_unfit_and_its_use_suspect(
    lab_technician, lab, calibrating_lab
):
    """Repaired 20 days ago and not calibrated since: used 10 days ago it needs a reason, and the event is
    suspect; a calibration after the repair makes it fit again."""
    standard = StandardFactory(owner=lab, interval_months=24)
    calibrate(standard, 100)
    report_repair(
        SYSTEM, standard, repaired_on=days_ago(20), reason="Thay cảm biến", version=standard.version
    )
    assert status_on(standard, days_ago(10)) == Status.AWAITING_REVERIFICATION
    assert status_on(standard, days_ago(30)) == Status.VALID  # before the repair
    with pytest.raises(ServiceError) as refused:
        use(lab_technician, standard, 10)
    assert set(refused.value.fields) == {"standards_used"}  # with a reason it may be used
    used = use(lab_technician, standard, 10, override_reason="Chưa kịp hiệu chuẩn lại sau sửa chữa")
    assert flags(used) == [True]
    calibrate(standard, 5)
    assert status_on(standard, days_ago(3)) == Status.VALID


def test_a_reference_material_is_replaced_not_repaired(lab):
    material = ReferenceMaterialFactory(owner=lab)
    with pytest.raises(ForbiddenError) as refused:
        report_repair(SYSTEM, material, repaired_on=days_ago(1), reason="Hỏng", version=material.version)
    assert refused.value.status_code == 403
    assert material.repaired_on is None
