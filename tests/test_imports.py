"""Importing instruments from a file on the command line (issue 14): all rows or none, each through the
registration form's own checks, and every bad file refused with nothing stored."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from registry.audit.models import AuditEvent
from registry.audit.services import BATCH_CREATE, history, versions
from registry.auth.models import Role
from registry.core.errors import ForbiddenError, NotFoundError
from registry.extensions import db
from registry.imports.services import target
from registry.items.models import Instrument, Item
from tests.factories import InstrumentFactory, OrganisationFactory, user_with_role

HEADER_VI = (
    "Mã loại phương tiện đo,Số sản xuất,Nhà sản xuất,Ngày trang bị,Phạm vi sử dụng,Chu kỳ hiệu chuẩn (tháng)"
)


def _csv(tmp_path: Path, *lines: str, bom: bool = True, name: str = "list.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(("\ufeff" if bom else "").encode() + "\n".join(lines).encode() + b"\n")
    return path


def _xlsx(tmp_path: Path, rows: list[list[object]], name: str = "list.xlsx", merge: str = "") -> Path:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    path = tmp_path / name
    workbook.save(path)
    return path


def _count(owner) -> int:
    return db.session.scalar(select(func.count(Item.id)).where(Item.owner_id == owner.id))


def _import(cli, path: Path, org: str = "XD-KT", *extra: str):
    return cli.invoke(args=["import", "instruments", str(path), "--org", org, *extra])


def test_a_csv_with_bom_and_vietnamese_headers_is_imported_with_its_text_normalised(
    cli, enterprise, tmp_path
):
    nfd_maker = unicodedata.normalize("NFD", "Công ty Đồng hồ Việt")
    path = _csv(
        tmp_path,
        unicodedata.normalize("NFD", HEADER_VI),  # headers typed on a Mac: decomposed
        f"WATER_METER_MECH,NUOC-001,{nfd_maker},01/02/2024,,",
        "FUEL_DISPENSER,CDX-001,Tatsuno,2023-05-06,legal,",
        "SCALE_PLATFORM_COUNTER,CAN-001,,,internal,12",
    )
    result = _import(cli, path)
    assert result.exit_code == 0, result.output
    assert "Imported 3 instruments into XD-KT." in result.output
    water = db.session.scalars(select(Instrument).where(Instrument.serial_number == "NUOC-001")).one()
    assert water.manufacturer == "Công ty Đồng hồ Việt"  # stored NFC, as the form stores it
    assert str(water.acquired_on) == "2024-02-01"
    # The derived columns are right, and the owner's site is the default, as for one registered by hand.
    assert water.serial_key == "nuoc-001" and "dong ho viet" in water.search_text
    assert water.site_address == "Số 1 Phan Đình Phùng" and water.site_admin_unit.code == "608"
    scale = db.session.scalars(select(Instrument).where(Instrument.serial_number == "CAN-001")).one()
    assert (scale.use, scale.interval_months) == ("internal", 12)
    # One audit entry for the batch, from which each row's history and versions replay.
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == BATCH_CREATE)) == 1
    [created] = history("items", water.id)
    assert created.action == "create" and created.actor_label == "cli"
    assert created.reason == "Imported from the file list.csv."
    [version] = versions("items", water.id)
    assert version["serial_number"] == "NUOC-001" and version["owner_id"] == enterprise.id


def test_an_xlsx_with_numbers_and_dates_in_its_cells_is_imported(cli, enterprise, tmp_path):
    from datetime import datetime

    path = _xlsx(
        tmp_path,
        [
            ["Mã loại phương tiện đo", "số san xuat", "Ngày trang bị", "Chu kỳ hiệu chuẩn (tháng)", "use"],
            ["WATER_METER_MECH", 123456, datetime(2024, 3, 1), 6, "internal"],
        ],
    )
    result = _import(cli, path)
    assert result.exit_code == 0, result.output
    item = db.session.scalars(select(Instrument).where(Instrument.owner_id == enterprise.id)).one()
    assert (item.serial_number, str(item.acquired_on), item.interval_months) == ("123456", "2024-03-01", 6)


def test_a_dry_run_checks_every_row_and_stores_nothing(cli, enterprise, tmp_path):
    path = _csv(
        tmp_path, "type_code,serial_number", "WATER_METER_MECH,A-1", "WATER_METER_MECH,A-2", bom=False
    )
    result = _import(cli, path, "XD-KT", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "All 2 rows are right" in result.output
    assert _count(enterprise) == 0


def test_one_wrong_row_imports_nothing_and_the_report_names_row_column_and_reason(cli, enterprise, tmp_path):
    InstrumentFactory(owner=enterprise, serial_number="ĐH-9")
    db.session.flush()
    type_code = db.session.scalar(select(Item).where(Item.serial_number == "ĐH-9")).instrument_type.code
    path = _csv(
        tmp_path,
        "type_code,serial_number,acquired_on,use",
        "WATER_METER_MECH,OK-1,,",
        "NO_SUCH_TYPE,OK-2,,",
        "WATER_METER_MECH,OK-3,31/02/2024,",
        f"{type_code},dh-9,,",  # the registry's ĐH-9, ignoring case and diacritics
        "WATER_METER_MECH,ok-1,,",  # the file's own OK-1
        "WATER_METER_MECH,OK-6,,sometimes",
        ",OK-7,,",
    )
    report = tmp_path / "report.csv"
    result = _import(cli, path, "XD-KT", "--report", str(report))
    assert result.exit_code == 1
    assert "6 of 7 rows are wrong: nothing was imported." in result.output
    assert _count(enterprise) == 1  # ĐH-9 alone
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "row,column,reason"
    assert lines[1] == "3,type_code,Unknown instrument type NO_SUCH_TYPE."
    assert lines[2].startswith("4,acquired_on,")
    assert lines[3] == f"5,serial_number,XD-KT already has a {type_code} with serial number dh-9."
    assert lines[4] == "6,serial_number,Row 2 has the same type and serial number."
    assert lines[5] == '7,use,"Use one of: legal, internal."'
    assert lines[6] == "8,type_code,This field is required."


def _zip_bomb() -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (50 * 1024 * 1024))
    return output.getvalue()


BAD_FILES = {
    "cp1258": (
        "list.csv",
        lambda: "type_code,serial_number\nWATER_METER_MECH,Đưa 1\n".encode("cp1258"),
        "not UTF-8",
    ),
    "latin-1": (
        "list.csv",
        lambda: "type_code,serial_number\nWATER_METER_MECH,Nº 1\n".encode("latin-1"),
        "UTF-8",
    ),
    "zip bomb": ("list.xlsx", _zip_bomb, "ZIP bomb"),
    "not xlsx": (
        "list.xlsx",
        lambda: b"type_code,serial_number\nWATER_METER_MECH,A\n",
        "not an XLSX workbook",
    ),
    "empty csv": ("list.csv", lambda: b"", "The file is empty"),
    "headers only": ("list.csv", lambda: b"type_code,serial_number\n", "no rows under its headers"),
    "unknown column": ("list.csv", lambda: b"type_code,serial_number,colour\nX,Y,Z\n", "Unknown column"),
    "missing column": ("list.csv", lambda: b"type_code,notes\nX,Y\n", "no column"),
    "huge cell": (
        "list.csv",
        lambda: b"type_code,serial_number,notes\nX,Y," + b"a" * 6000 + b"\n",
        "more than 5000",
    ),
    "word file": ("list.docx", lambda: b"whatever", "Use an XLSX or CSV file"),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_a_bad_file_is_refused_with_its_reason_and_nothing_is_stored(cli, enterprise, tmp_path, case):
    name, content, reason = BAD_FILES[case]
    path = tmp_path / name
    path.write_bytes(content())
    result = _import(cli, path)
    assert result.exit_code == 1
    assert reason in result.output
    assert _count(enterprise) == 0


def test_an_xlsx_with_a_formula_merged_cells_or_no_rows_is_refused(cli, enterprise, tmp_path):
    db.session.commit()  # a refused command rolls its transaction back: the enterprise stays
    header = ["type_code", "serial_number", "notes"]
    formula = _xlsx(tmp_path, [header, ["WATER_METER_MECH", "A-1", "=1+1"]], "formula.xlsx")
    assert "Cell C2 holds a formula" in _import(cli, formula).output
    merged = _xlsx(tmp_path, [header, ["WATER_METER_MECH", "A-1", "x"], ["", "", ""]], "merged.xlsx", "A2:A3")
    assert "merged cells" in _import(cli, merged).output
    empty = _xlsx(tmp_path, [], "empty.xlsx")
    assert "The file is empty" in _import(cli, empty).output
    assert _count(enterprise) == 0


def test_more_rows_than_the_limit_are_refused(app, cli, enterprise, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 3)
    rows = [f"WATER_METER_MECH,S-{n}" for n in range(4)]
    result = _import(cli, _csv(tmp_path, "type_code,serial_number", *rows))
    assert result.exit_code == 1
    assert "more than 3 rows" in result.output
    assert _count(enterprise) == 0


def test_an_unknown_organisation_is_named(cli, tmp_path):
    result = _import(cli, _csv(tmp_path, "type_code,serial_number", "WATER_METER_MECH,A"), "NOPE")
    assert result.exit_code == 1
    assert "No organisation with code NOPE" in result.output


def test_who_may_import_into_which_organisation(enterprise, lab):
    """Managers into their own organisation; the Department's admin into any; a lab never into a
    customer's; another organisation is not found."""
    manager = user_with_role(Role.ENTERPRISE_MANAGER, enterprise)
    assert target(manager, "") == enterprise
    with pytest.raises(NotFoundError):
        target(manager, lab.code)
    lab_manager = user_with_role(Role.PROVIDER_MANAGER, lab)
    assert target(lab_manager, "") == lab
    with pytest.raises(NotFoundError):
        target(lab_manager, enterprise.code)
    admin = user_with_role(Role.DEPARTMENT_ADMIN)
    assert target(admin, enterprise.code) == enterprise
    other = OrganisationFactory(code="OTHER-1")
    assert target(admin, "OTHER-1") == other
    for refused in (
        user_with_role(Role.PROVIDER_TECHNICIAN, lab),
        user_with_role(Role.ENTERPRISE_VIEWER, enterprise),
        user_with_role(Role.DEPARTMENT_OFFICER),
    ):
        with pytest.raises(ForbiddenError):
            target(refused, enterprise.code if refused.has_role(Role.DEPARTMENT_OFFICER) else "")
