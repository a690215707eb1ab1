"""`catalogue sync` as a service: a three-way merge of the reference files that keeps the Department's
edits, adds what is new, deletes nothing and changes nothing the second time."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from registry.audit import services as audit
from registry.audit.models import AuditEvent
from registry.audit.services import Author, acting_as, history
from registry.auth.models import Role
from registry.catalogue import reference, services
from registry.catalogue.models import AdminUnit, InstrumentType, LegalRule
from registry.catalogue.sync import KeptEdit, sync_admin_units, sync_instrument_types
from registry.core.errors import ForbiddenError, ServiceError
from registry.extensions import db
from tests.factories import user_with_role
from tests.helpers import SYSTEM, audit_count

# These tests read service messages outside a request: in English.
pytestmark = pytest.mark.usefixtures("english")

Rows = list[dict[str, str]]


def edited_copy(source: Path, tmp_path: Path, edit: Callable[[Rows], Any]) -> Path:
    """A copy of a reference file with ``edit`` applied to its rows."""
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    edit(rows)
    path = tmp_path / source.name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def types_copy(tmp_path: Path, edit: Callable[[Rows], Any]) -> Path:
    return edited_copy(reference.INSTRUMENT_TYPES_FILE, tmp_path, edit)


def row(rows: Rows, code: str, start: str = "") -> dict[str, str]:
    return next(r for r in rows if r["code"] == code and (not start or r["effective_from"] == start))


def rule(code: str, start: str) -> LegalRule:
    instrument_type = services.find_instrument_type(code)
    return next(r for r in instrument_type.rules if r.effective_from == date.fromisoformat(start))


def edit_rule(code: str, start: str, **changes: Any) -> None:
    current = rule(code, start)
    values = {
        "controls": current.controls,
        "cycle_months": current.cycle_months,
        "legal_basis": current.legal_basis,
        "effective_from": current.effective_from,
        "effective_to": current.effective_to,
        "confidence": current.confidence,
        "note": current.note,
    }
    services.update_legal_rule(SYSTEM, current, reason="Sở sửa", **{**values, **changes})


NEW_TYPE = {
    "code": "EV_CHARGER_DC_2W",
    "name_vi": "Phương tiện đo điện năng trạm sạc một chiều cho xe máy điện",
    "name_en": "DC charging-station energy meter for electric two-wheelers",
    "quantity": "electric energy",
    "list_row": "69",
    "controls": "IV+PV",
    "cycle_months": "36",
    "legal_basis": "TT 03/2024",
    "effective_from": "2024-10-15",
    "effective_to": "",
    "confidence": "verify",
    "note": "",
}


def test_the_shipped_files_match_what_the_migration_loaded():
    before = audit_count()
    for report in (sync_instrument_types(SYSTEM), sync_admin_units(SYSTEM)):
        assert not report.changed_anything
        assert report.kept_edits == report.missing_from_file == report.skipped == []
    assert audit_count() == before


def test_file_changes_apply_department_edits_survive_and_a_second_run_changes_nothing(tmp_path):
    # The Department corrects a cycle…
    edit_rule("EDM", "2013-11-15", cycle_months=24)

    # …and a new version of the file changes another rule's cycle, a name, and adds a type.
    def edit(rows: Rows) -> None:
        row(rows, "WATER_DEPTH")["cycle_months"] = "18"
        row(rows, "TAPE_MEASURE")["name_en"] = "Measuring tape"
        rows.append(dict(NEW_TYPE))

    path = types_copy(tmp_path, edit)
    before = audit_count()
    with acting_as(Author(None, "catalogue sync")):
        report = sync_instrument_types(SYSTEM, path)

    assert rule("EDM", "2013-11-15").cycle_months == 24
    assert rule("WATER_DEPTH", "2013-11-15").cycle_months == 18
    assert services.find_instrument_type("TAPE_MEASURE").name_en == "Measuring tape"
    added = services.find_instrument_type("EV_CHARGER_DC_2W")
    assert added.group2_on(date(2025, 1, 1)) and added.needs_verification
    assert added.rule_on(date(2025, 1, 1)).control_set == {"IV", "PV"}

    assert report.created == ["EV_CHARGER_DC_2W", "EV_CHARGER_DC_2W@2024-10-15"]
    assert report.updated == ["TAPE_MEASURE", "WATER_DEPTH@2013-11-15"]
    assert [(c.field, c.old, c.new) for c in report.changes] == [
        ("name_en", "Tape measure", "Measuring tape"),
        ("cycle_months", 12, 18),
    ]
    assert report.kept_edits == [KeptEdit("EDM@2013-11-15", "cycle_months", 24, 12, file_changed=False)]
    assert report.missing_from_file == [] and report.skipped == []

    # Audited, with the file named as the reason: two updates, two creations.
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id).offset(before)).all()
    assert sorted(event.action for event in events) == ["create", "create", "update", "update"]
    assert {event.reason for event in events} == {"catalogue sync from group2-instrument-types.csv"}
    assert {event.actor_label for event in events} == {"catalogue sync"}

    # The second run: nothing changes, nothing is audited, the kept edit is still reported.
    versions = dict(db.session.execute(select(LegalRule.id, LegalRule.version)).all())
    count = audit_count()
    again = sync_instrument_types(SYSTEM, path)
    assert not again.changed_anything and again.created == [] and again.changes == []
    assert again.kept_edits == report.kept_edits
    assert audit_count() == count
    db.session.expire_all()
    assert dict(db.session.execute(select(LegalRule.id, LegalRule.version)).all()) == versions


def test_an_edit_the_file_also_changed_is_kept_and_flagged(tmp_path):
    edit_rule("EDM", "2013-11-15", cycle_months=24)
    path = types_copy(tmp_path, lambda rows: row(rows, "EDM").update(cycle_months="36"))
    report = sync_instrument_types(SYSTEM, path)
    assert rule("EDM", "2013-11-15").cycle_months == 24
    assert report.kept_edits == [KeptEdit("EDM@2013-11-15", "cycle_months", 24, 36, file_changed=True)]
    # The file's new value is now the one "last loaded": the edit stays an edit.
    assert rule("EDM", "2013-11-15").source["cycle_months"] == 36


def test_an_edit_that_agrees_with_the_new_file_follows_the_file_again(tmp_path):
    edit_rule("EDM", "2013-11-15", cycle_months=24)
    sync_instrument_types(
        SYSTEM, types_copy(tmp_path, lambda rows: row(rows, "EDM").update(cycle_months="24"))
    )
    assert rule("EDM", "2013-11-15").source["cycle_months"] == 24
    report = sync_instrument_types(
        SYSTEM, types_copy(tmp_path, lambda rows: row(rows, "EDM").update(cycle_months="6"))
    )
    assert rule("EDM", "2013-11-15").cycle_months == 6
    assert report.kept_edits == []


def test_a_rule_whose_start_the_department_moved_is_still_recognised(tmp_path):
    edit_rule("TAPE_MEASURE", "2013-11-15", effective_from=date(2013, 12, 1))
    path = types_copy(tmp_path, lambda rows: row(rows, "TAPE_MEASURE").update(legal_basis="TT 07/2019"))
    report = sync_instrument_types(SYSTEM, path)
    (moved,) = services.find_instrument_type("TAPE_MEASURE").rules
    assert moved.effective_from == date(2013, 12, 1)
    assert moved.legal_basis == "TT 07/2019"
    assert report.created == [] and report.skipped == []


def test_a_file_that_ends_a_period_and_starts_the_next_is_applied(tmp_path):
    def edit(rows: Rows) -> None:
        current = row(rows, "TAXIMETER", "2020-01-01")
        current["effective_to"] = "2026-12-31"
        rows.insert(
            rows.index(current) + 1,
            {
                **current,
                "cycle_months": "24",
                "legal_basis": "TT 01/2027",
                "effective_from": "2027-01-01",
                "effective_to": "",
            },
        )

    report = sync_instrument_types(SYSTEM, types_copy(tmp_path, edit))
    taximeter = services.find_instrument_type("TAXIMETER")
    assert taximeter.rule_on(date(2026, 12, 31)).cycle_months == 18
    assert taximeter.rule_on(date(2027, 1, 1)).cycle_months == 24
    assert report.created == ["TAXIMETER@2027-01-01"]


def test_a_new_file_period_overlapping_a_department_period_is_reported_not_added(tmp_path):
    meter = services.find_instrument_type("ENERGY_METER_1P_IND")
    services.add_rule_period(
        SYSTEM,
        meter,
        reason="Sở bổ sung",
        controls="IV",
        cycle_months=None,
        legal_basis="QĐ 1",
        effective_from=date(2026, 1, 1),
    )

    def edit(rows: Rows) -> None:
        rows.append(
            {
                **row(rows, "ENERGY_METER_1P_IND", "2020-01-01"),
                "effective_from": "2025-01-01",
                "effective_to": "",
                "legal_basis": "TT 05/2025",
            }
        )

    report = sync_instrument_types(SYSTEM, types_copy(tmp_path, edit))
    assert report.created == []
    assert report.skipped == ["ENERGY_METER_1P_IND@2025-01-01 (overlaps ENERGY_METER_1P_IND@2026-01-01)"]
    assert len(services.find_instrument_type("ENERGY_METER_1P_IND").rules) == 3


def test_rows_missing_from_the_file_are_reported_never_deleted(tmp_path):
    taximeter = services.find_instrument_type("TAXIMETER")
    services.add_rule_period(
        SYSTEM,
        services.find_instrument_type("ENERGY_METER_1P_IND"),
        reason="Sở bổ sung",
        controls="IV",
        cycle_months=None,
        legal_basis="QĐ 1",
        effective_from=date(2026, 1, 1),
    )

    def edit(rows: Rows) -> None:
        rows[:] = [
            r
            for r in rows
            if r["code"] != "TAXIMETER" and (r["code"], r["effective_from"]) != ("SPEED_METER", "2013-11-15")
        ]

    report = sync_instrument_types(SYSTEM, types_copy(tmp_path, edit))
    assert report.missing_from_file == ["SPEED_METER@2013-11-15", "TAXIMETER"]
    # Rows the Department added were never in the file: not "missing".
    assert "ENERGY_METER_1P_IND@2026-01-01" not in report.missing_from_file
    assert len(taximeter.rules) == 2
    assert db.session.scalar(select(func.count(InstrumentType.id))) == 89


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda rows: row(rows, "EDM").update(effective_from="2013-13-01"), "values"),
        (lambda rows: row(rows, "EDM").update(cycle_months="twelve"), "values"),
        (lambda rows: row(rows, "EDM").update(controls="IV+XX"), "EDM@2013-11-15: controls"),
        (lambda rows: row(rows, "EDM").update(cycle_months="0"), "EDM@2013-11-15: cycle_months"),
        (lambda rows: row(rows, "EDM").update(effective_to="2000-01-01"), "EDM@2013-11-15: effective_to"),
        (lambda rows: row(rows, "EDM").update(name_vi=""), "EDM: name_vi"),
        (lambda rows: row(rows, "EDM").update(code="edm x"), "code"),
        (lambda rows: rows.append(dict(row(rows, "EDM"))), "overlaps EDM@2013-11-15"),
        (lambda rows: row(rows, "TAXIMETER", "2013-11-15").update(effective_to=""), "overlaps TAXIMETER"),
    ],
)
def test_a_broken_file_is_refused_whole_with_the_row_named(tmp_path, edit, message):
    path = types_copy(tmp_path, edit)
    before = audit_count()
    with pytest.raises(ServiceError) as caught:
        sync_instrument_types(SYSTEM, path)
    assert set(caught.value.fields) == {"file"}
    assert message in str(caught.value.fields["file"])
    assert audit_count() == before


def test_a_file_without_a_needed_column_or_missing_is_refused(tmp_path):
    path = tmp_path / "types.csv"
    path.write_text("code,name_vi\nX,Y\n", encoding="utf-8")
    with pytest.raises(ServiceError) as caught:
        sync_instrument_types(SYSTEM, path)
    assert "missing column" in str(caught.value.fields["file"])
    with pytest.raises(ServiceError):
        sync_instrument_types(SYSTEM, tmp_path / "nope.csv")


@pytest.mark.parametrize("role", [Role.DEPARTMENT_OFFICER, Role.PROVIDER_MANAGER])
def test_only_the_department_s_admin_applies_a_file(tmp_path, role):
    user = user_with_role(role)
    path = types_copy(tmp_path, lambda rows: row(rows, "WATER_DEPTH").update(cycle_months="18"))
    before = audit_count()
    with pytest.raises(ForbiddenError):
        sync_instrument_types(user, path)
    with pytest.raises(ForbiddenError):
        sync_admin_units(user)
    assert rule("WATER_DEPTH", "2013-11-15").cycle_months == 12
    assert audit_count() == before
    report = sync_instrument_types(user_with_role(Role.DEPARTMENT_ADMIN), path)
    assert report.updated == ["WATER_DEPTH@2013-11-15"]


# --- administrative units -----------------------------------------------------------------------------


def units_copy(tmp_path: Path, edit: Callable[[Rows], Any]) -> Path:
    return edited_copy(reference.ADMIN_UNITS_FILE, tmp_path, edit)


def unit(code: str) -> AdminUnit:
    return services.get_admin_unit(code)


def test_admin_units_merge_like_the_catalogue(tmp_path):
    # The Department confirmed a district's code and wrote the successor commune.
    district = unit("615")
    with audit.reason("Theo Nghị quyết sắp xếp xã 2025"):
        district.successor = "Xã Đắk Hà (Quảng Ngãi)"

    def edit(rows: Rows) -> None:
        row(rows, "610")["successor"] = "Xã Đắk Glei"
        row(rows, "615")["successor"] = "Xã Đắk Hà"
        rows.append(
            {**row(rows, "610"), "code": "23284", "name_vi": "Xã Đắk Pék", "kind": "commune", "successor": ""}
        )

    report = sync_admin_units(SYSTEM, units_copy(tmp_path, edit))
    assert unit("610").successor == "Xã Đắk Glei"
    assert unit("615").successor == "Xã Đắk Hà (Quảng Ngãi)"
    assert unit("23284").level == "commune" and unit("23284").parent_code == "62"
    assert report.created == ["23284"]
    assert report.updated == ["610"]
    assert [(kept.label, kept.field, kept.file_changed) for kept in report.kept_edits] == [
        ("615", "successor", True)
    ]
    count = audit_count()
    again = sync_admin_units(SYSTEM, units_copy(tmp_path, edit))
    assert not again.changed_anything and audit_count() == count
    assert (
        history("admin_units", unit("23284").id)[0].reason
        == "catalogue sync from kon-tum-admin-units-2021.csv"
    )


def test_units_missing_from_the_file_are_reported_and_kept(tmp_path):
    report = sync_admin_units(SYSTEM, units_copy(tmp_path, lambda rows: rows.pop()))
    assert report.missing_from_file == ["618"]
    assert unit("618").name == "Huyện Ia H'Drai"


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda rows: row(rows, "610").update(valid_to="31/12/2025"), "values"),
        (lambda rows: row(rows, "610").update(valid_from="2026-01-01"), "valid_to comes before valid_from"),
        (lambda rows: row(rows, "610").update(name_vi=""), "610: name"),
        (lambda rows: rows.append(dict(row(rows, "610"))), "given twice"),
    ],
)
def test_a_broken_units_file_is_refused(tmp_path, edit, message):
    with pytest.raises(ServiceError) as caught:
        sync_admin_units(SYSTEM, units_copy(tmp_path, edit))
    assert message in str(caught.value.fields["file"])
