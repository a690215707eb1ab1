"""The plan's indicators count themselves: every rule of the Kon Tum file, built from rows and tallied (on
SQLite and on PostgreSQL alike), with its phase boundaries, cumulative windows, ownership split,
in-province condition, accreditation judged on the activity's date, void and amend, and past as-of dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from registry.auth.models import Role
from registry.catalogue.models import AdminUnit
from registry.core.dates import today_is
from registry.events.revisions import void_event
from registry.extensions import db
from registry.organisations.models import Organisation
from registry.plan import activities, services
from registry.plan.models import Indicator, Plan
from registry.plan.tallies import Pace, rows_of, tally
from tests.factories import (
    AccreditationFactory,
    InstrumentFactory,
    OrganisationFactory,
    ReferenceMaterialFactory,
    StandardFactory,
    lab_with_credentials,
    record_verification,
    user_with_role,
)
from tests.helpers import SYSTEM

TODAY = date(2026, 11, 30)


@pytest.fixture(autouse=True)
def _today() -> Any:
    with today_is(TODAY):
        yield


def plan() -> Plan:
    found = db.session.scalar(select(Plan).where(Plan.code == "kontum-2021"))
    assert found is not None
    return found


def indicator(code: str, period: str) -> Indicator:
    return next(row for row in plan().indicators if row.code == code and row.period == period)


def actual(code: str, period: str, as_of: date = TODAY) -> int:
    return tally(indicator(code, period), as_of).actual


def unit(code: str) -> AdminUnit:
    found = db.session.scalar(select(AdminUnit).where(AdminUnit.code == code))
    assert found is not None
    return found


def record(kind: str, held_on: date, **fields: Any) -> Any:
    return activities.create_activity(SYSTEM, kind=kind, held_on=held_on, title=f"{kind} {held_on}", **fields)


def test_the_kontum_plan_is_loaded_with_its_phases_and_every_row_of_its_file():
    loaded = plan()
    assert [phase.code for phase in loaded.phases] == ["2021-2025", "2026-2030"]
    assert len(loaded.indicators) == 30
    objective = indicator("OBJ-1", "by-2025")
    assert (objective.starts_on, objective.ends_on, objective.target) == (
        date(2021, 1, 1),
        date(2025, 12, 31),
        5,
    )
    assert indicator("II.2.a", "2026-2030").starts_on == date(2026, 1, 1)
    assert indicator("II.3.a", "2021-2030").params["purpose"] == ["state_inspection", "testing"]


def test_count_activities_a_record_on_the_last_day_of_phase_one_and_the_first_of_phase_two():
    record("article", date(2025, 12, 31))
    record("article", date(2026, 1, 1))
    record("article", date(2020, 12, 31))  # before the plan
    assert actual("I", "2021-2025") == 1
    assert actual("I", "2026-2030") == 1
    # Asked during phase one, phase two has nothing yet.
    assert actual("I", "2026-2030", as_of=date(2025, 12, 31)) == 0
    assert actual("I", "2021-2025", as_of=date(2025, 12, 30)) == 0


def test_per_year_rows_are_shown_per_year():
    for day in (date(2021, 5, 1), date(2022, 5, 1), date(2022, 11, 1)):
        record("policy_review", day)
    result = tally(indicator("II.1", "2021-2030"), TODAY)
    assert result.actual == 3
    assert result.by_year == {2021: 1, 2022: 2}
    assert result.pace is Pace.NO_TARGET


def test_sum_participants_counts_person_turns_and_void_and_amend_change_it():
    people = [{"name": f"Người {n}", "organisation": "Công ty A", "role": "kỹ thuật viên"} for n in range(12)]
    training = record("training", date(2024, 3, 1), participants=people)
    record("training", date(2026, 2, 1), participants=people[:3])
    assert actual("II.2.c", "2021-2025") == 12
    assert actual("OBJ-2", "by-2025") == 12
    assert actual("OBJ-2", "by-2030") == 15  # cumulative: both phases
    activities.update_activity(SYSTEM, training, {"participants": people[:10]}, reason="Hai người vắng mặt")
    assert actual("II.2.c", "2021-2025") == 10
    activities.void_activity(SYSTEM, training, reason="Nhập trùng")
    assert actual("II.2.c", "2021-2025") == 0
    assert actual("OBJ-2", "by-2030") == 3


def test_cumulative_objectives_count_from_the_plan_start_to_the_phase_end_or_the_as_of_date():
    owner = OrganisationFactory()
    for day in (date(2021, 6, 1), date(2024, 6, 1), date(2026, 6, 1)):
        StandardFactory(owner=owner, funding="socialised", acquired_on=day)
    ReferenceMaterialFactory(owner=owner, funding="socialised", acquired_on=date(2023, 1, 1))
    InstrumentFactory(owner=owner, funding="own", acquired_on=date(2023, 1, 1))  # not socialised
    assert actual("OBJ-1", "by-2025") == 3
    assert actual("OBJ-1", "by-2030") == 4
    assert actual("OBJ-1", "by-2030", as_of=date(2024, 1, 1)) == 2  # a past as-of date
    assert actual("II.2.a", "2021-2025") == 2  # standards and instruments only: no reference material
    assert actual("II.2.a", "2026-2030") == 1


def test_count_items_by_purpose_and_funding():
    owner = OrganisationFactory()
    StandardFactory(owner=owner, funding="state_budget", purpose="testing", acquired_on=date(2022, 1, 1))
    ReferenceMaterialFactory(
        owner=owner, funding="state_budget", purpose="state_inspection", acquired_on=date(2028, 1, 1)
    )
    StandardFactory(owner=owner, funding="state_budget", purpose="service", acquired_on=date(2022, 1, 1))
    StandardFactory(owner=owner, funding="socialised", purpose="testing", acquired_on=date(2022, 1, 1))
    assert actual("II.3.a", "2021-2030") == 1
    assert actual("II.3.a", "2021-2030", as_of=date(2030, 12, 31)) == 2


def test_breakdown_by_ownership_class_and_by_2021_district_after_the_districts_were_abolished():
    state = OrganisationFactory(state_capital_pct=Decimal(51), admin_unit=unit("610"))
    foreign = OrganisationFactory(foreign_capital_pct=Decimal(100), admin_unit=unit("611"))
    hospital = OrganisationFactory(public_unit=True, state_capital_pct=Decimal(100), admin_unit=unit("610"))
    private = OrganisationFactory()
    for owner in (state, foreign, hospital, private):
        StandardFactory(owner=owner, funding="socialised", acquired_on=date(2025, 9, 1))
    result = tally(indicator("OBJ-1", "by-2025"), TODAY)
    assert result.by_ownership == {"state_capital": 1, "fdi": 1, "public_unit": 1, "private": 1}
    assert result.by_district == {"610": 2, "611": 1}
    assert {
        row.organisation.code for row in rows_of(indicator("OBJ-1", "by-2025"), TODAY, district="610")
    } == {
        state.code,
        hospital.code,
    }
    assert [
        row.item.owner_id for row in rows_of(indicator("OBJ-1", "by-2025"), TODAY, ownership_class="fdi")
    ] == [foreign.id]


def test_count_activity_orgs_counts_pairs():
    first, second = OrganisationFactory(), OrganisationFactory()
    record("map_survey", date(2023, 4, 1), organisations=[first.code, second.code])
    record("map_survey", date(2024, 4, 1), organisations=[first.code])
    assert actual("II.4.a", "2021-2025") == 3
    assert len(rows_of(indicator("II.4.a", "2021-2025"), TODAY)) == 3


def test_distinct_orgs_in_province_and_accredited_on_the_activity_date():
    inside = lab_with_credentials(admin_unit=unit("612"))  # accredited ISO/IEC 17025 from 2020 to 2030
    outside_unit = AdminUnit(code="64", name="Tỉnh Gia Lai", level="province")
    db.session.add(outside_unit)
    outside = lab_with_credentials(admin_unit=outside_unit)
    late = OrganisationFactory(provider=True, admin_unit=unit("612"))
    AccreditationFactory(organisation=late, valid_from=date(2024, 6, 1), valid_to=date(2029, 6, 1))
    record("criteria_assessment", date(2022, 3, 1), organisations=[inside.code, outside.code, late.code])
    record("criteria_assessment", date(2023, 3, 1), organisations=[inside.code])
    assert (
        actual("OBJ-4", "by-2025") == 1
    )  # inside, once; outside is not in the province; late not yet accredited
    assert actual("II.3.c", "2021-2030") == 2  # no accreditation needed: inside and late
    record("criteria_assessment", date(2024, 7, 1), organisations=[late.code])
    assert actual("OBJ-4", "by-2025") == 2
    # Judged on the activity's day, not today: the accreditation lapsing later changes nothing.
    assert actual("OBJ-4", "by-2025", as_of=date(2024, 6, 30)) == 1


def test_provider_support_accepts_iso_9001_certification():
    lab = OrganisationFactory(provider=True)
    AccreditationFactory(organisation=lab, scheme="ISO 9001", valid_from=date(2022, 1, 1))
    bare = OrganisationFactory(provider=True)
    record("provider_support", date(2023, 1, 1), organisations=[lab.code, bare.code])
    assert actual("II.2.b", "2021-2030") == 1


def test_map_turns_need_enrolment_and_work_in_the_same_year(lab):
    technician = user_with_role(Role.PROVIDER_TECHNICIAN, lab)
    enrolled = OrganisationFactory(state_capital_pct=Decimal(30))
    private = OrganisationFactory()
    instrument = InstrumentFactory(owner=enrolled)
    record("map_enrolment", date(2023, 2, 1), organisations=[enrolled.code, private.code])
    record("map_enrolment", date(2024, 2, 1), organisations=[enrolled.code])
    assert actual("OBJ-3", "by-2025") == 0  # enrolled, but nothing done yet
    event = record_verification(technician, instrument, performed_on=date(2023, 9, 1))
    record("method_development", date(2024, 5, 1), organisations=[enrolled.code])
    record("method_development", date(2023, 5, 1), organisations=[private.code])
    result = tally(indicator("OBJ-3", "by-2025"), TODAY)
    assert result.actual == 3
    assert result.by_ownership == {"state_capital": 2, "private": 1}
    assert result.by_year == {2023: 2, 2024: 1}
    # On a past day, work not yet done does not count.
    assert actual("OBJ-3", "by-2025", as_of=date(2023, 8, 31)) == 1
    void_event(technician, event, reason="Nhập nhầm thiết bị", version=None)
    assert actual("OBJ-3", "by-2025") == 2


def test_a_voided_activity_counts_nowhere_and_an_amended_date_moves_it_between_phases():
    article = record("article", date(2025, 12, 31))
    assert (actual("I", "2021-2025"), actual("I", "2026-2030")) == (1, 0)
    activities.update_activity(SYSTEM, article, {"held_on": "2026-01-01"}, reason="Ngày đăng báo sai")
    assert (actual("I", "2021-2025"), actual("I", "2026-2030")) == (0, 1)
    activities.void_activity(SYSTEM, article, reason="Không phải tin về đo lường")
    assert (actual("I", "2021-2025"), actual("I", "2026-2030")) == (0, 0)


def test_pace_against_the_time_elapsed_in_the_window():
    for month in (1, 2, 3):
        record("coordination", date(2026, month, 5))
    # 2026-2030, five rounds: on 2026-11-30, 11 months of 60 have passed, so one is due and three are ahead.
    result = tally(indicator("II.3.b", "2026-2030"), TODAY)
    assert result.pace is Pace.ON_TRACK and result.percent == 60.0
    assert tally(indicator("II.3.b", "2021-2025"), TODAY).pace is Pace.BEHIND
    assert tally(indicator("II.3.b", "2026-2030"), date(2025, 6, 1)).pace is Pace.NOT_STARTED


def test_the_json_has_the_shape_of_design_5():
    record("article", date(2022, 1, 1))
    answer = services.indicators_json(SYSTEM, "kontum-2021", "2026-11-30")
    assert answer["plan"] == "kontum-2021" and answer["as_of"] == "2026-11-30"
    row = next(row for row in answer["indicators"] if row["code"] == "I" and row["phase"] == "2021-2025")
    assert set(row) == {"code", "title", "unit", "phase", "target", "actual", "percent", "breakdown"}
    assert (row["target"], row["actual"], row["percent"]) == (5, 1, 20.0)
    assert row["breakdown"]["year"] == {"2022": 1}
    assert len(answer["indicators"]) == 30


def test_only_the_department_sees_the_plan(enterprise_manager):
    from registry.core.errors import NotFoundError

    with pytest.raises(NotFoundError):
        services.indicators_json(enterprise_manager, "kontum-2021", None)
    assert isinstance(db.session.get(Organisation, enterprise_manager.organisation_id), Organisation)


def test_a_second_province_plan_is_a_second_data_file_and_is_tallied_with_no_code_change():
    from pathlib import Path

    quang_ngai = AdminUnit(code="51", name="Tỉnh Quảng Ngãi", level="province")
    db.session.add(quang_ngai)
    other = services.load_plan(SYSTEM, Path(__file__).parent / "data" / "quangngai-2026.json")
    assert [phase.code for phase in other.phases] == ["2026-2027", "2028-2029"]
    assert [row.period for row in other.indicators] == ["2026-2027", "2028-2029", "by-2029", "2026-2029"]
    assert other.indicators[2].confidence == "verify"
    local, kontum = OrganisationFactory(admin_unit=quang_ngai), OrganisationFactory(admin_unit=unit("610"))
    record("article", date(2026, 3, 1))
    record("article", date(2025, 3, 1))  # before this plan
    record("training", date(2026, 4, 1), participants=[{"name": "A"}, {"name": "B"}])
    record("map_survey", date(2026, 5, 1), organisations=[local.code, kontum.code])
    answer = services.indicators_json(SYSTEM, "quangngai-2026", "2026-11-30")
    figures = {(row["code"], row["phase"]): (row["target"], row["actual"]) for row in answer["indicators"]}
    assert figures == {
        ("QN-1", "2026-2027"): (2, 1),
        ("QN-1", "2028-2029"): (3, 0),
        ("QN-2", "by-2029"): (4, 2),
        ("QN-3", "2026-2029"): (1, 1),  # the Kon Tum enterprise is not in this plan's province
    }
    # The Kon Tum plan counts the same rows by its own file.
    assert actual("I", "2026-2030") == 1


def test_changing_a_target_is_the_department_admins_and_audited():
    from registry.audit.services import history
    from registry.core.errors import ForbiddenError, ServiceError

    row = indicator("I", "2026-2030")
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    with pytest.raises(ForbiddenError):
        services.change_target(officer, row, 8, reason="Tăng chỉ tiêu")
    with pytest.raises(ServiceError) as refused:
        services.change_target(SYSTEM, row, "tám", reason="")
    assert set(refused.value.fields) == {"target", "reason"}
    services.change_target(SYSTEM, row, "8", reason="UBND tỉnh điều chỉnh chỉ tiêu")
    assert tally(row, TODAY).target == 8
    assert history("plan_indicators", row.id)[-1].reason == "UBND tỉnh điều chỉnh chỉ tiêu"


def test_the_nightly_snapshot_keeps_each_indicator_once_a_day(app):
    from registry.plan.models import IndicatorSnapshot
    from scheduler.jobs import run_job

    record("article", date(2026, 3, 1))
    db.session.commit()
    first = run_job(app, "indicator_snapshot", date(2026, 11, 30))
    # Every row of the Kon Tum plan has begun by 2026 (phase-two rows started on 2026-01-01).
    assert first == {"job": "indicator_snapshot", "snapshots_created": 30}
    assert run_job(app, "indicator_snapshot", date(2026, 11, 30))["snapshots_created"] == 0
    snapshot = db.session.scalar(
        select(IndicatorSnapshot).where(IndicatorSnapshot.indicator_id == indicator("I", "2026-2030").id)
    )
    assert snapshot is not None and (snapshot.taken_on, snapshot.actual) == (date(2026, 11, 30), 1)
    # On 2025-06-30 the seven rows of phase two have not begun.
    assert run_job(app, "indicator_snapshot", date(2025, 6, 30))["snapshots_created"] == 23
