"""`flask --app wsgi catalogue sync`: applies the reference files, keeps the Department's edits, reports."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from registry.audit.models import AuditEvent
from registry.audit.services import Author, acting_as
from registry.catalogue import reference, services
from registry.catalogue.models import InstrumentType, LegalRule
from registry.extensions import db
from tests.helpers import SYSTEM, audit_count


def rule(code: str, start: str) -> LegalRule:
    db.session.expire_all()
    instrument_type = services.find_instrument_type(code)
    return next(r for r in instrument_type.rules if r.effective_from == date.fromisoformat(start))


def changed_types_file(tmp_path: Path) -> Path:
    """The shipped file with another rule's cycle changed, a name changed and a new type."""
    with reference.INSTRUMENT_TYPES_FILE.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    for row in rows:
        if row["code"] == "WATER_DEPTH":
            row["cycle_months"] = "18"
        if row["code"] == "TAPE_MEASURE":
            row["name_vi"] = "Thước cuộn (thước dây)"
    rows.append(
        {
            **rows[0],
            "code": "LASER_RANGEFINDER",
            "name_vi": "Máy đo khoảng cách bằng laser",
            "name_en": "Laser rangefinder",
            "controls": "IV+PV+RV",
            "cycle_months": "12",
            "legal_basis": "TT 03/2024",
            "effective_from": "2024-10-15",
            "confidence": "verify",
            "note": "",
        }
    )
    path = tmp_path / "types.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:  # as a spreadsheet saves it
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_sync_applies_the_file_keeps_the_departments_edit_and_is_idempotent(cli, tmp_path):
    # The Department edits a rule's cycle (committed, as the web request would).
    with acting_as(Author(None, "test")):
        edm = rule("EDM", "2013-11-15")
        services.update_legal_rule(
            SYSTEM,
            edm,
            reason="Theo TT 07/2019",
            controls=edm.controls,
            cycle_months=24,
            legal_basis=edm.legal_basis,
            effective_from=edm.effective_from,
            effective_to=None,
            confidence=edm.confidence,
            note=edm.note,
        )
    db.session.commit()
    path = changed_types_file(tmp_path)

    result = cli.invoke(args=["catalogue", "sync", "--types-file", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        "types.csv: 2 added, 2 value(s) updated in 2 row(s), 1 Department edit(s) kept, "
        "0 missing from the file, 0 not added."
    )
    assert "  added: LASER_RANGEFINDER, LASER_RANGEFINDER@2024-10-15" in lines
    assert "  updated WATER_DEPTH@2013-11-15 cycle_months: 12 → 18" in lines
    assert "  updated TAPE_MEASURE name_vi: 'Thước cuộn' → 'Thước cuộn (thước dây)'" in lines
    assert "  kept the Department's EDM@2013-11-15 cycle_months = 24 (file: 12)" in lines
    assert lines[-2].startswith("kon-tum-admin-units-2021.csv: 0 added, 0 value(s) updated")
    assert lines[-1] == "Catalogue updated."

    assert rule("EDM", "2013-11-15").cycle_months == 24
    assert rule("WATER_DEPTH", "2013-11-15").cycle_months == 18
    assert services.find_instrument_type("TAPE_MEASURE").name_vi == "Thước cuộn (thước dây)"
    assert services.find_instrument_type("LASER_RANGEFINDER").needs_verification
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.actor_label == "catalogue sync")).all()
    assert len(events) == 4

    count = audit_count()
    again = cli.invoke(args=["catalogue", "sync", "--types-file", str(path)])
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[0].startswith("types.csv: 0 added, 0 value(s) updated in 0 row(s), 1 ")
    assert again.output.splitlines()[-1] == "Nothing to change: the database follows the files."
    assert audit_count() == count


def test_a_dry_run_reports_and_changes_nothing(cli, tmp_path):
    path = changed_types_file(tmp_path)
    count = audit_count()
    result = cli.invoke(args=["catalogue", "sync", "--types-file", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "  added: LASER_RANGEFINDER, LASER_RANGEFINDER@2024-10-15" in result.output
    assert result.output.splitlines()[-1] == "Dry run: nothing was changed."
    db.session.expire_all()
    assert db.session.scalar(select(func.count(InstrumentType.id))) == 89
    assert rule("WATER_DEPTH", "2013-11-15").cycle_months == 12
    assert audit_count() == count


def test_the_shipped_files_are_already_applied(cli):
    result = cli.invoke(args=["catalogue", "sync"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "Nothing to change: the database follows the files."


def test_a_broken_file_fails_with_the_row_named_and_changes_nothing(cli, tmp_path):
    broken = tmp_path / "units.csv"
    text = reference.ADMIN_UNITS_FILE.read_text(encoding="utf-8").replace("610,Huyện Đắk Glei,", "610,,")
    broken.write_text(text, encoding="utf-8")
    count = audit_count()
    result = cli.invoke(
        args=[
            "catalogue",
            "sync",
            "--types-file",
            str(changed_types_file(tmp_path)),
            "--admin-units-file",
            str(broken),
        ]
    )
    assert result.exit_code != 0
    assert "file: units.csv, 610: name: This field is required." in result.output
    # All or nothing: the types file's changes were rolled back too.
    assert rule("WATER_DEPTH", "2013-11-15").cycle_months == 12
    assert audit_count() == count


def test_a_missing_file_fails_clearly(cli, tmp_path):
    result = cli.invoke(args=["catalogue", "sync", "--types-file", str(tmp_path / "nope.csv")])
    assert result.exit_code != 0
    assert "No file" in result.output
