"""The import pages (issue 14): upload → every row's verdict → confirm; the report as CSV; the templates;
who may import into which organisation."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from registry.auth.models import Role
from registry.extensions import db
from registry.imports.models import ImportJob
from registry.items.models import Instrument, Item
from tests.factories import OrganisationFactory, user_with_role
from tests.helpers import csrf_token_from, field_errors, logged_in

GOOD = (
    "\ufeffMã loại phương tiện đo,Số sản xuất,Nhà sản xuất\n"
    "WATER_METER_MECH,WEB-1,Zenner\n"
    "FUEL_DISPENSER,WEB-2,\n"
)


def _upload(client, content: str | bytes, filename: str = "list.csv", **data: str):
    token = csrf_token_from(client.get("/imports/").get_data(as_text=True))
    body = content.encode() if isinstance(content, str) else content
    return client.post(
        "/imports/",
        data={"csrf_token": token, "file": (io.BytesIO(body), filename), **data},
        content_type="multipart/form-data",
    )


def _confirm(client, location: str):
    page = client.get(location).get_data(as_text=True)
    version = page.split('name="version" type="hidden" value="')[1].split('"')[0]
    return client.post(f"{location}/confirm", data={"csrf_token": csrf_token_from(page), "version": version})


def _instruments(owner) -> list[str]:
    stmt = select(Item.serial_number).where(Item.owner_id == owner.id).order_by(Item.serial_number)
    return list(db.session.scalars(stmt))


def test_an_enterprise_manager_previews_every_row_then_confirms(client, auth, enterprise_manager, enterprise):
    logged_in(client, auth, enterprise_manager, language="")
    response = _upload(client, GOOD)
    assert response.status_code == 302
    location = response.headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "Tất cả 2 dòng đều đúng" in page and 'data-row="2"' in page and 'data-row="3"' in page
    assert _instruments(enterprise) == []  # nothing stored before the confirmation
    response = _confirm(client, location)
    assert response.status_code == 302
    assert _instruments(enterprise) == ["WEB-1", "WEB-2"]
    # The outcome survives a reload; a second confirmation imports nothing more.
    page = client.get(location).get_data(as_text=True)
    assert "Đã nhập" in page and "2 phương tiện đo đã được đăng ký" in page
    assert 'data-testid="confirm-import"' not in page
    _confirm_again = client.post(
        f"{location}/confirm", data={"csrf_token": csrf_token_from(page), "version": "9"}
    )
    assert _confirm_again.status_code == 302
    assert _instruments(enterprise) == ["WEB-1", "WEB-2"]


def test_wrong_rows_are_shown_and_reported_and_cannot_be_confirmed(
    client, auth, enterprise_manager, enterprise
):
    logged_in(client, auth, enterprise_manager, language="")
    content = "type_code,serial_number\nWATER_METER_MECH,R-1\nNOPE,R-2\nWATER_METER_MECH,r-1\n"
    location = _upload(client, content).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "2 trong 3 dòng sai" in page
    assert "Không có loại phương tiện đo mã NOPE." in page
    assert 'data-testid="confirm-import"' not in page
    report = client.get(f"{location}/report.csv")
    assert report.status_code == 200 and report.mimetype == "text/csv"
    lines = report.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "Dòng,Cột,Lý do"
    assert lines[1] == "3,type_code,Không có loại phương tiện đo mã NOPE."
    assert lines[2] == "4,serial_number,Dòng 2 có cùng loại và số sản xuất."
    job = db.session.scalars(select(ImportJob)).one()
    response = client.post(
        f"{location}/confirm", data={"csrf_token": csrf_token_from(page), "version": str(job.version)}
    )
    assert response.status_code == 302
    assert _instruments(enterprise) == []


def test_a_bad_file_is_refused_on_the_form_and_nothing_is_kept(client, auth, enterprise_manager, enterprise):
    logged_in(client, auth, enterprise_manager, language="")
    response = _upload(client, "type_code,serial_number\nX,Y\n".encode("utf-16"), "list.csv")
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True)) == {"file"}
    assert "CSV UTF-8" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ImportJob.id))) == 0


def test_the_department_admin_imports_for_an_organisation_a_lab_cannot(
    client, auth, department_admin, enterprise, lab
):
    logged_in(client, auth, department_admin)
    unknown = _upload(client, GOOD, organisation="NOPE")
    assert unknown.status_code == 422 and "No organisation with code NOPE" in unknown.get_data(as_text=True)
    location = _upload(client, GOOD, organisation=enterprise.code).headers["Location"]
    _confirm(client, location)
    assert _instruments(enterprise) == ["WEB-1", "WEB-2"]
    # A lab's manager imports into its own lab only: the organisation it names is not asked.
    lab_manager = user_with_role(Role.PROVIDER_MANAGER, lab)
    other_client = client.application.test_client()
    logged_in(other_client, auth.__class__(other_client), lab_manager)
    location = _upload(other_client, GOOD.replace("WEB-", "LAB-"), organisation=enterprise.code).headers[
        "Location"
    ]
    _confirm(other_client, location)
    assert _instruments(lab) == ["LAB-1", "LAB-2"]
    assert _instruments(enterprise) == ["WEB-1", "WEB-2"]
    # Nor does it see the enterprise's import.
    enterprise_job = db.session.scalars(
        select(ImportJob).where(ImportJob.organisation_id == enterprise.id)
    ).one()
    assert other_client.get(f"/imports/{enterprise_job.id}").status_code == 404


def test_who_may_not_import(client, auth, enterprise):
    for user in (
        user_with_role(Role.ENTERPRISE_VIEWER, enterprise),
        user_with_role(Role.DEPARTMENT_OFFICER),
        user_with_role(Role.PROVIDER_TECHNICIAN, OrganisationFactory(code="LAB-X", provider=True)),
    ):
        own = client.application.test_client()
        logged_in(own, auth.__class__(own), user)
        assert own.get("/imports/").status_code == 403
        assert 'data-testid="import-link"' not in own.get("/instruments").get_data(as_text=True)


def test_the_templates_offer_the_catalogue_types_and_import_back(
    client, auth, enterprise_manager, enterprise
):
    logged_in(client, auth, enterprise_manager, language="")
    csv_template = client.get("/imports/template.csv").get_data(as_text=True)
    assert csv_template.startswith("\ufeffMã loại phương tiện đo,Số sản xuất,")
    response = client.get("/imports/template.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.get_data()))
    sheet, lists = workbook.worksheets
    assert sheet["A1"].value == "Mã loại phương tiện đo" and lists.sheet_state == "hidden"
    [types_list] = [v for v in sheet.data_validations.dataValidation if v.sqref and "A2" in str(v.sqref)]
    assert types_list.type == "list" and "'Danh mục'!$A$2" in types_list.formula1
    codes = [row[0] for row in lists.iter_rows(min_row=2, values_only=True)]
    assert "WATER_METER_MECH" in codes
    # Filled in, the template imports.
    sheet.append(["WATER_METER_MECH", "TPL-1"])
    output = io.BytesIO()
    workbook.save(output)
    location = _upload(client, output.getvalue(), "mau.xlsx").headers["Location"]
    _confirm(client, location)
    assert db.session.scalars(
        select(Instrument.serial_number).where(Instrument.owner_id == enterprise.id)
    ).all() == ["TPL-1"]
