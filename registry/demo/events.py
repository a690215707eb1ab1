"""The demo's history, 2021 to its "today": the labs' standards calibrated every year, the Group 2
instruments verified on their legal cycle by the designated labs, the in-house balances calibrated, a few
failures, repairs, one amendment and one void — so that every status appears.

Everything goes through the event service, so the history obeys the rules a real lab meets.
"""

from __future__ import annotations

import calendar
import itertools
import random
from datetime import date, timedelta

from sqlalchemy import select

from registry.auth.policy import Actor
from registry.core.dates import local_today
from registry.events import controls
from registry.events.item_validity import report_repair, status_on
from registry.events.models import Event, EventKind
from registry.events.recording import record_event
from registry.events.revisions import amend_event, void_event
from registry.events.validity import add_months
from registry.extensions import db
from registry.items.models import Instrument, Item, MeasurementStandard
from registry.items.services import retire_item, update_item
from registry.items.status import Status

HISTORY_FROM = date(2021, 1, 1)
VMI_FROM = date(2020, 12, 1)  # VMI's first calibration of QUATEST 3's standards in the demo
# Who verifies which Group 2 types in the demo, and with which verifier card.
VERIFIERS = {"TTKT-KT": "KĐV-0231", "DLKT-LAB": "KĐV-0410"}
ENERGY_TYPES = frozenset({"ENERGY_METER_1P_ELEC", "ENERGY_METER_3P_ELEC", "CT_INSTRUMENT", "VT_INSTRUMENT"})
# Share of instruments with no result at all, and with a failed latest verification.
NEVER_SHARE = 0.07
FAIL_SHARE = 0.05
REPAIR_SHARE = 0.02
# The 20 L proving can of TTKT-KT, found out of tolerance as found at its 2025 calibration (it passed as left,
# after adjustment): the fuel dispensers verified with it since its previous calibration are suspect.
OUT_OF_TOLERANCE_STANDARD = "BC20-2022-01"
OUT_OF_TOLERANCE_POINTS = [
    {
        "nominal": "20",
        "as_found": "20.016",
        "as_left": "20.002",
        "mpe": "0.01",
        "uncertainty": "0.002",
        "unit": "L",
    }
]


def _months_before(day: date, months: int) -> date:
    """The date ``months`` before ``day`` (the demo walks cycles backwards from the latest event)."""
    year, month_index = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month_index + 1, min(day.day, calendar.monthrange(year, month_index + 1)[1]))


def _history(rng: random.Random, cycle: int, since: date, today: date) -> list[date]:
    """Event dates every ``cycle`` months up to a latest one spread over the last cycle and a bit: most
    valid, some due soon, some overdue."""
    latest = today - timedelta(days=rng.randint(0, cycle * 30 + 75))
    if latest < since:
        return [since] if since <= today else []
    dates = [latest]
    while (earlier := _months_before(dates[0], cycle)) >= since:
        dates.insert(0, earlier)
    return dates


class _Numbers:
    """Certificate, record and stamp numbers per lab and year."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def certificate(self, day: date) -> str:
        return f"{day.year}/GCN-{next(self._counter):05d}"

    def record(self, day: date) -> str:
        return f"{day.year}/BB-{next(self._counter):05d}"

    def stamp(self, day: date) -> str:
        return f"T{day.year % 100}-{next(self._counter):06d}"


def _standards_for(lab_code: str, quantity: str, on: date) -> list[Item]:
    stmt = (
        select(MeasurementStandard)
        .join(MeasurementStandard.owner)
        .where(MeasurementStandard.quantity == quantity)
    )
    return [
        standard
        for standard in db.session.scalars(stmt)
        if standard.owner.code == lab_code and status_on(standard, on) in (Status.VALID, Status.DUE_SOON)
    ][:1]


def _calibrate_reference_standards(actor: Actor, today: date) -> int:
    """VMI calibrates QUATEST 3's reference standards on their interval against the national standards
    (the top of the demo's chains: their ``traceable_to``), so that they are never lapsed."""
    count = 0
    standards = db.session.scalars(select(MeasurementStandard).order_by(MeasurementStandard.id)).all()
    for standard in standards:
        if standard.owner.code != "QUATEST3":
            continue
        day = VMI_FROM
        while day <= today:
            record_event(actor, {
                "item": standard, "provider": "VMI", "kind": "calibration", "performed_on": day,
                "result": "pass", "certificate_number": f"V{day.year}/{standard.serial_number}",
                "technician": "Phòng Đo lường, Viện Đo lường Việt Nam",
            })  # fmt: skip
            day = _months_before(day, -(standard.interval_months or 12))
            count += 1
    return count


def _calibrate_standards(actor: Actor, rng: random.Random, numbers: _Numbers, today: date) -> int:
    """QUATEST 3 calibrates the province's labs' standards every year with its reference standards (some
    lapse: one overdue)."""
    count = 0
    standards = db.session.scalars(select(MeasurementStandard).order_by(MeasurementStandard.id)).all()
    for position, standard in enumerate(standards):
        if standard.owner.code == "QUATEST3":
            continue  # its own standards are calibrated by VMI (_calibrate_reference_standards)
        since = max(standard.acquired_on or HISTORY_FROM, HISTORY_FROM)
        dates = _history(rng, standard.interval_months or 12, since, today)
        if position == 1:  # one lab lets a standard lapse: its events since then are refused or overridden
            dates = [day for day in dates if day <= today - timedelta(days=420)] or dates[:1]
        for day in dates:
            found_out = standard.serial_number == OUT_OF_TOLERANCE_STANDARD and day.year == 2025
            record_event(actor, {
                "item": standard, "provider": "QUATEST3", "kind": "calibration", "performed_on": day,
                "result": "pass", "certificate_number": numbers.certificate(day),
                "technician": "Phòng Hiệu chuẩn QUATEST 3",
                "measurement_points": OUT_OF_TOLERANCE_POINTS if found_out else [],
                "standards_used": _standards_for("QUATEST3", standard.quantity, day),
            })  # fmt: skip
            count += 1
    return count


def _verify(
    actor: Actor,
    rng: random.Random,
    numbers: _Numbers,
    instrument: Instrument,
    lab: str,
    dates: list[date],
    today: date,
) -> int:
    assert instrument.instrument_type is not None
    fails = rng.random() < FAIL_SHARE
    for position, day in enumerate(dates):
        last = position == len(dates) - 1
        # A type whose rule has no periodic verification is verified once, initially (Circular 23/2013).
        rule = instrument.instrument_type.rule_on(day)
        only_initial = rule is not None and controls.allowed_kinds(rule) <= {EventKind.VERIFICATION_INITIAL}
        initial = position == 0 and (
            only_initial or (instrument.acquired_on is not None and instrument.acquired_on >= HISTORY_FROM)
        )
        failed = last and fails
        # DLKT-LAB prints "Hiệu lực đến ngày …" one day before the end of the period, as many labs do.
        printed = (
            add_months(day, rule.cycle_months) - timedelta(days=1)
            if lab == "DLKT-LAB" and not failed and rule is not None and rule.cycle_months
            else None
        )
        record_event(actor, {
            "item": instrument, "provider": lab,
            "kind": "verification_initial" if initial else "verification_periodic",
            "performed_on": day, "result": "fail" if failed else "pass",
            "certificate_number": None if failed else numbers.certificate(day),
            "record_number": numbers.record(day) if failed else None,
            "stamp_number": None if failed else numbers.stamp(day), "valid_until": printed,
            "verifier_card": VERIFIERS[lab],
            "standards_used": _standards_for(lab, instrument.instrument_type.quantity, day),
        })  # fmt: skip
    if not fails and dates and rng.random() < REPAIR_SHARE / (1 - FAIL_SHARE):
        repaired = min(today, dates[-1] + timedelta(days=rng.randint(20, 90)))
        report_repair(actor, instrument, repaired_on=repaired, reason="Thay bo mạch sau sự cố", version=None)
    return len(dates)


def _calibrate(
    actor: Actor, rng: random.Random, numbers: _Numbers, instrument: Instrument, today: date
) -> int:
    since = max(instrument.acquired_on or HISTORY_FROM, HISTORY_FROM)
    dates = _history(rng, instrument.interval_months or 12, since, today)
    for day in dates:
        record_event(actor, {
            "item": instrument, "provider": "TTKT-KT", "kind": "calibration", "performed_on": day,
            "result": rng.choice(("pass", "not_stated")), "certificate_number": numbers.certificate(day),
            "measurement_points": [{"nominal": "100", "as_found": "100.002", "as_left": "100.001",
                                    "mpe": "0.01", "uncertainty": "0.0005", "unit": "g"}],
        })  # fmt: skip
    return len(dates)


def _instruments(
    actor: Actor, rng: random.Random, numbers: _Numbers, designated: set[str], today: date
) -> int:
    count = 0
    for instrument in db.session.scalars(select(Instrument).order_by(Instrument.id)).all():
        assert instrument.instrument_type is not None
        if rng.random() < NEVER_SHARE:
            continue
        if not instrument.group2_on(today):
            count += _calibrate(actor, rng, numbers, instrument, today)
            continue
        code = instrument.instrument_type.code
        lab = "DLKT-LAB" if code in ENERGY_TYPES else "TTKT-KT" if code in designated else None
        rule = instrument.instrument_type.rule_on(today)
        if lab is None or rule is None:
            continue  # no lab in the province is designated for it: it stays "never"
        # Verified while on the Group 2 list under the rule in force today (the rule of another period
        # would give another cycle).
        since = max(instrument.acquired_on or HISTORY_FROM, HISTORY_FROM, rule.effective_from)
        if lab == "DLKT-LAB":  # its designation ran from 2021-07-01 to 2026-06-30
            since, until = max(since, date(2021, 7, 1)), date(2026, 6, 30)
        else:
            until = today
        dates = [day for day in _history(rng, rule.cycle_months or 600, since, today) if day <= until]
        count += _verify(actor, rng, numbers, instrument, lab, dates, today)
    return count


def _corrections(actor: Actor) -> None:
    """A stamp number typed wrong, amended; an event recorded on the wrong instrument, voided."""
    events = db.session.scalars(
        select(Event).where(Event.kind == "verification_periodic", Event.result == "pass").order_by(Event.id)
    ).all()
    if len(events) < 2:
        return
    first, second = events[-1], events[-2]
    amend_event(
        actor, first, {"stamp_number": f"{first.stamp_number}A"},
        reason="Số tem ghi sai một ký tự so với tem đã dán", version=None,
    )  # fmt: skip
    void_event(actor, second, reason="Ghi nhầm sang phương tiện khác cùng chủ sở hữu", version=None)
    instruments = db.session.scalars(select(Instrument).order_by(Instrument.id.desc()).limit(2)).all()
    update_item(
        actor, instruments[0], {"state": "out_of_service"}, reason="Ngừng sử dụng chờ thay thế", version=None
    )
    retire_item(actor, instruments[1], reason="Hỏng không sửa được, đã thanh lý", version=None)


def _lapsed_standard_used(actor: Actor, numbers: _Numbers, today: date) -> int:
    """The lab verifies a capacity measure with its lapsed 20 L standard, giving its reason: the measure's
    traceability chain shows the broken link."""
    lapsed = db.session.scalar(
        select(MeasurementStandard).where(MeasurementStandard.serial_number == "BC20-2022-01")
    )
    day = today - timedelta(days=3)
    measures = db.session.scalars(select(Instrument).order_by(Instrument.id)).all()
    measure = next(
        (
            instrument
            for instrument in measures
            if instrument.instrument_type is not None
            and instrument.instrument_type.code == "CAPACITY_MEASURE"
            and instrument.state == "in_service"
            and (instrument.last_event_on is None or instrument.last_event_on < day)
        ),
        None,
    )
    if lapsed is None or measure is None:
        return 0
    record_event(actor, {
        "item": measure, "provider": "TTKT-KT", "kind": "verification_periodic", "performed_on": day,
        "result": "pass", "certificate_number": numbers.certificate(day), "stamp_number": numbers.stamp(day),
        "verifier_card": VERIFIERS["TTKT-KT"], "standards_used": [lapsed],
        "override_reason": "Bình chuẩn đang chờ hiệu chuẩn lại; đã kiểm tra trung gian đạt trước khi dùng",
    })  # fmt: skip
    return 1


def load_history(actor: Actor, rng: random.Random, designated: list[str]) -> int:
    """Record the demo's events up to today; gives how many were recorded (amendments not counted)."""
    numbers = _Numbers()
    today = local_today()
    count = _calibrate_reference_standards(actor, today)
    count += _calibrate_standards(actor, rng, numbers, today)
    count += _instruments(actor, rng, numbers, set(designated), today)
    _corrections(actor)
    count += _lapsed_standard_used(actor, numbers, today)
    db.session.flush()
    return count
