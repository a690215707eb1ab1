"""Suspect flags follow the record as it stands: amending an event off the bad standard or out of its window,
recording a good result of the standard late inside the window, or moving the bad result's date recomputes
them (the suspicions stay, append-only, for the history); and the suspect report is paged."""

from __future__ import annotations

import itertools

import pytest

from registry.auth.models import Role
from registry.events.recording import record_event
from registry.events.revisions import amend_event
from registry.extensions import db
from tests.factories import (
    InstrumentFactory,
    StandardFactory,
    lab_with_credentials,
    record_verification,
    user_with_role,
)
from tests.helpers import SYSTEM, days_ago, logged_in

_numbers = itertools.count(1)


def calibrate(standard, days: int, **values):
    return record_event(
        SYSTEM,
        {
            "item": standard,
            "provider": "QT3-REC",
            "kind": "calibration",
            "performed_on": days_ago(days),
            "result": "pass",
            "certificate_number": f"HC-R-{next(_numbers):05d}",
        }
        | values,
    )


def use(user, standards, days: int, **values):
    return record_verification(
        user, InstrumentFactory(), performed_on=days_ago(days), standards_used=list(standards), **values
    )


def flags(*events):
    db.session.expire_all()
    return [event.suspect for event in events]


@pytest.fixture
def standard(lab):
    """The lab's standard, calibrated 500 and 400 days ago (good), every 24 months."""
    lab_with_credentials(code="QT3-REC")
    standard = StandardFactory(owner=lab, interval_months=24)
    calibrate(standard, 500)
    calibrate(standard, 400)
    return standard


def test_an_event_amended_off_the_bad_standard_or_out_of_its_window_is_no_longer_suspect(
    lab_technician, lab, standard
):
    spare = StandardFactory(owner=lab, interval_months=24)
    calibrate(spare, 450)
    wrong_standard, wrong_day = use(lab_technician, [standard], 300), use(lab_technician, [standard], 250)
    calibrate(standard, 100, as_found_out_of_tolerance=True)
    assert flags(wrong_standard, wrong_day) == [True, True]

    fixed = amend_event(
        lab_technician, wrong_standard, {"standards_used": [spare.id]}, reason="Dùng nhầm chuẩn", version=None
    )
    moved = amend_event(
        lab_technician, wrong_day, {"performed_on": days_ago(450)}, reason="Sai ngày", version=None
    )
    assert flags(fixed, moved) == [False, False]
    # And back on the standard, inside the window: suspect again (the suspicion was kept).
    back = amend_event(
        lab_technician, fixed, {"standards_used": [standard.id]}, reason="Đúng ra", version=None
    )
    assert flags(back) == [True]


def test_a_good_result_recorded_late_inside_the_window_narrows_it(lab_technician, standard):
    early, late = use(lab_technician, [standard], 300), use(lab_technician, [standard], 150)
    calibrate(standard, 100, as_found_out_of_tolerance=True)
    assert flags(early, late) == [True, True]
    calibrate(standard, 200)  # an intermediate good result, entered after the bad one
    assert flags(early, late) == [False, True]


def test_moving_the_bad_results_date_recomputes_the_window(lab_technician, standard):
    early, late = use(lab_technician, [standard], 300), use(lab_technician, [standard], 150)
    bad = calibrate(standard, 100, as_found_out_of_tolerance=True)
    assert flags(early, late) == [True, True]
    earlier = amend_event(
        SYSTEM, bad, {"performed_on": days_ago(250)}, reason="Sai ngày hiệu chuẩn", version=None
    )
    assert flags(early, late) == [True, False]
    amend_event(SYSTEM, earlier, {"performed_on": days_ago(120)}, reason="Sửa lại ngày", version=None)
    assert flags(early, late) == [True, True]


def test_down_the_chain_flags_follow_the_calibration_they_relied_on(lab_technician, standard):
    other_lab = lab_with_credentials(code="LAB2-REC")
    other = user_with_role(Role.PROVIDER_TECHNICIAN, other_lab)
    working = StandardFactory(owner=other_lab, interval_months=24)
    chained = record_event(
        lab_technician,
        {
            "item": working,
            "kind": "calibration",
            "performed_on": days_ago(300),
            "result": "pass",
            "certificate_number": "HC-R-CHAIN",
            "standards_used": [standard],
        },
    )
    downstream = use(other, [working], 200)
    calibrate(standard, 100, result="fail")
    assert flags(chained, downstream) == [True, True]
    # The working standard's calibration is moved before the standard's last good result: out of the window.
    amend_event(lab_technician, chained, {"performed_on": days_ago(420)}, reason="Sai ngày", version=None)
    assert flags(downstream) == [False]


def test_the_suspect_report_is_paged(client, auth, lab_technician, standard, monkeypatch):
    from registry.events.suspects import views

    monkeypatch.setattr(views, "PER_PAGE", 2)
    used = [use(lab_technician, [standard], days) for days in (300, 250, 200)]
    calibrate(standard, 100, as_found_out_of_tolerance=True)
    logged_in(client, auth, lab_technician)
    first = client.get("/suspects/").get_data(as_text=True)
    second = client.get("/suspects/?page=2").get_data(as_text=True)
    shown = [{event.id for event in used if f'data-event="{event.id}"' in page} for page in (first, second)]
    assert [len(ids) for ids in shown] == [2, 1] and shown[0] | shown[1] == {event.id for event in used}
    assert "Page 1 of 2" in first and "/suspects/?page=2" in first
    csv = client.get("/suspects/?format=csv").get_data(as_text=True)
    assert csv.count("\n") >= 4  # the download is not paged: a header and every row
