"""Downloading an item list as CSV and XLSX: the rows of the current filters (all pages), headers in the
user's language, real dates in the spreadsheet, and no formula smuggled in through a text field."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from registry.auth.models import Role
from registry.core.dates import local_today
from registry.core.export import Column, csv_chunks, safe_text, xlsx_bytes
from registry.extensions import db
from registry.items.export import columns
from registry.items.models import ItemKind
from tests.factories import InstrumentFactory, OrganisationFactory, ReferenceMaterialFactory, user_with_role
from tests.helpers import switch_language


@pytest.fixture
def fleet():
    owner = OrganisationFactory(code="TAXI", name="Hợp tác xã Taxi Đắk Hà")
    made = [
        InstrumentFactory(owner=owner, serial_number=f"TX-{n:02d}", type_code="TAXIMETER", valid=True)
        for n in range(60)
    ]
    InstrumentFactory(
        owner=owner, serial_number='=HYPERLINK("http://evil")', manufacturer="+cmd|' /C calc'!A0"
    )
    InstrumentFactory(serial_number="OTHER-1")
    db.session.commit()
    return made


def read_csv(response) -> list[dict[str, str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_csv_holds_every_filtered_row_not_only_the_page(department_officer_client, fleet):
    switch_language(department_officer_client, "en")
    response = department_officer_client.get(
        "/instruments/", query_string={"owner": "TAXI", "type_code": "TAXIMETER", "format": "csv"}
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="instruments-{local_today().isoformat()}.csv"'
    )
    rows = read_csv(response)
    assert len(rows) == 60
    first = next(row for row in rows if row["Serial number"] == "TX-00")
    assert first["Owner code"] == "TAXI"
    assert first["Owner"] == "Hợp tác xã Taxi Đắk Hà"
    assert first["Type code"] == "TAXIMETER"
    assert first["Status"] == "Valid"
    assert first["Valid until"] == fleet[0].valid_until.isoformat()
    assert first["Use"].startswith("Legal")


def test_xlsx_has_typed_cells_and_the_same_rows(department_officer_client, fleet):
    switch_language(department_officer_client, "en")
    response = department_officer_client.get("/instruments/", query_string={"q": "tx-0", "format": "xlsx"})
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    header, body = values[0], values[1:]
    assert len(body) == 10  # TX-00 … TX-09
    index = {name: position for position, name in enumerate(header)}
    assert {row[index["Serial number"]] for row in body} == {f"TX-{n:02d}" for n in range(10)}
    assert isinstance(body[0][index["Valid until"]], datetime)  # a real date, shown dd/mm/yyyy
    assert isinstance(body[0][index["ID"]], int)
    cell = sheet.cell(row=2, column=index["Valid until"] + 1)
    assert cell.number_format == "DD/MM/YYYY"


def test_text_that_looks_like_a_formula_stays_text(department_officer_client, fleet):
    switch_language(department_officer_client, "en")
    rows = read_csv(
        department_officer_client.get("/instruments/", query_string={"q": "calc", "format": "csv"})
    )
    assert rows[0]["Serial number"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["Manufacturer"] == "'+cmd|' /C calc'!A0"
    sheet = load_workbook(
        io.BytesIO(
            department_officer_client.get("/instruments/", query_string={"q": "calc", "format": "xlsx"}).data
        )
    ).active
    cells = [cell for cell in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert all(cell.data_type != "f" for cell in cells)
    assert '=HYPERLINK("http://evil")' in [cell.value for cell in cells]


def test_headers_follow_the_users_language(app, department_officer_client, fleet):
    """Vietnamese by default (the headers are the catalogue's translations), English on request."""
    vietnamese = read_csv(
        department_officer_client.get("/instruments/", query_string={"owner": "TAXI", "format": "csv"})
    )
    with app.test_request_context("/"), force_locale("vi"):
        expected = [str(column.header) for column in columns(ItemKind.INSTRUMENT, local_today())]
    assert list(vietnamese[0]) == expected
    switch_language(department_officer_client, "en")
    response = department_officer_client.get(
        "/instruments/", query_string={"owner": "TAXI", "format": "xlsx"}
    )
    header = next(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert header[:4] == ("ID", "Owner code", "Owner", "Type code")


def test_other_lists_export_too_and_only_what_the_user_sees(client, auth):
    lab = OrganisationFactory(provider=True)
    ReferenceMaterialFactory(
        owner=lab, name="Khí chuẩn CO", expiry_date=date(2030, 1, 31), valid_until=date(2030, 1, 31)
    )
    ReferenceMaterialFactory(name="Không thấy")
    user = user_with_role(Role.PROVIDER_TECHNICIAN, lab)
    db.session.commit()
    auth.login(user.email)
    switch_language(client, "en")
    rows = read_csv(client.get("/reference-materials/", query_string={"format": "csv"}))
    assert [row["Name"] for row in rows] == ["Khí chuẩn CO"]
    assert rows[0]["Expiry date"] == "2030-01-31"
    assert client.get("/standards/", query_string={"format": "xlsx"}).status_code == 200
    assert client.get("/standards/", query_string={"format": "pdf"}).status_code == 400
    assert client.get("/instruments/", query_string={"format": "csv", "status": "lost"}).status_code == 422


@pytest.mark.parametrize(
    "text, safe",
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("-12", "-12"),
        ("+84 912", "'+84 912"),
        ("SN-1", "SN-1"),
        ("", ""),
    ],
)
def test_safe_text(text, safe):
    assert safe_text(text) == safe


def test_the_helper_serves_any_list():
    cols = [
        Column("Tên", lambda row: row[0]),
        Column("Ngày", lambda row: row[1]),
        Column("Số", lambda row: row[2]),
    ]
    data = [("Đắk Tô", date(2025, 2, 28), 3), ("=x", None, None)]
    text = "".join(csv_chunks(cols, data))
    assert text == "\ufeffTên,Ngày,Số\r\nĐắk Tô,2025-02-28,3\r\n'=x,,\r\n"
    sheet = load_workbook(io.BytesIO(xlsx_bytes(cols, data, title="Danh sách: 2025/02"))).active
    assert sheet.title == "Danh sách  2025 02"
    assert list(sheet.iter_rows(values_only=True)) == [
        ("Tên", "Ngày", "Số"),
        ("Đắk Tô", datetime(2025, 2, 28), 3),
        ("=x", None, None),
    ]
