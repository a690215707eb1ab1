"""The Department's home: the inspection list (overdue and never-verified Group 2 instruments in legal use
by district and type, filtered by district, downloaded), the credentials waiting for confirmation, and
the registry-wide search, which nobody else may use."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from registry.auth.models import Role
from registry.extensions import db
from tests.factories import InstrumentFactory, OrganisationFactory, RegistrationFactory, record_verification
from tests.factories import user_with_role as _user
from tests.helpers import admin_unit, logged_in


@pytest.fixture
def districts():
    """Two Group 2 fuel dispensers to inspect in Đắk Glei (610), one overdue in Ngọc Hồi (611), one
    valid and one in internal use (not Group 2) in Đắk Glei."""
    glei, hoi = admin_unit("610"), admin_unit("611")
    owner = OrganisationFactory(name="Cửa hàng Xăng dầu Đắk Glei")
    InstrumentFactory(owner=owner, serial_number="GLEI-NEVER", site_admin_unit=glei)
    InstrumentFactory(owner=owner, serial_number="GLEI-LATE", site_admin_unit=glei, overdue=True)
    InstrumentFactory(owner=owner, serial_number="GLEI-OK", site_admin_unit=glei, valid=True)
    InstrumentFactory(owner=owner, serial_number="GLEI-OWN", site_admin_unit=glei, internal=True)
    InstrumentFactory(serial_number="HOI-LATE", site_admin_unit=hoi, overdue=True)
    db.session.commit()


def test_the_department_home_summarises_the_inspection_list_and_pending_credentials(
    department_officer_client, districts
):
    RegistrationFactory(certificate_number="ĐK-CHỜ-01", confirmation="pending")
    db.session.commit()
    html = department_officer_client.get("/").get_data(as_text=True)
    summary = html[html.index('data-testid="inspection-summary"') :]
    assert 'action="/inspection"' in summary and '<option value="610">Huyện Đắk Glei</option>' in summary
    pending = html[html.index('data-testid="pending-credentials"') :]
    assert "ĐK-CHỜ-01" in pending
    assert 'data-testid="plan-dashboard"' in html and 'data-testid="registry-search"' in html
    plans = html[html.index('data-testid="plans"') :]
    assert "/plan/?plan=kontum-2021" in plans


def test_the_inspection_list_of_a_district_counts_by_type_and_status(department_officer_client, districts):
    html = department_officer_client.get("/inspection?district=610").get_data(as_text=True)
    table = html[html.index('data-testid="inspection"') :]
    assert "Huyện Đắk Glei" in table and "Huyện Ngọc Hồi" not in table
    assert "Quá hạn" in table and "Chưa kiểm định/hiệu chuẩn" in table
    assert "2 phương tiện đo cần kiểm tra." in html
    everywhere = department_officer_client.get("/inspection").get_data(as_text=True)
    assert "Huyện Ngọc Hồi" in everywhere and "3 phương tiện đo cần kiểm tra." in everywhere


def test_an_unknown_district_is_a_field_error(department_officer_client, districts):
    response = department_officer_client.get("/inspection?district=NOPE")
    assert response.status_code == 422
    assert 'data-field="district"' in response.get_data(as_text=True)


def test_the_inspection_list_downloads_as_csv_with_each_instrument(department_officer_client, districts):
    response = department_officer_client.get("/inspection?district=610&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "inspection-610-" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffID,Mã chủ sở hữu,Chủ sở hữu,")
    assert "GLEI-NEVER" in text and "GLEI-LATE" in text and "Cửa hàng Xăng dầu Đắk Glei" in text
    for absent in ("GLEI-OK", "GLEI-OWN", "HOI-LATE"):
        assert absent not in text


def test_the_inspection_list_downloads_as_xlsx(department_officer_client, districts):
    response = department_officer_client.get("/inspection?format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    serials = {row[rows[0].index("Số sản xuất")] for row in rows[1:]}
    assert serials == {"GLEI-NEVER", "GLEI-LATE", "HOI-LATE"}
    units = {row[rows[0].index("Đơn vị hành chính nơi sử dụng")] for row in rows[1:]}
    assert units == {"Huyện Đắk Glei", "Huyện Ngọc Hồi"}


@pytest.mark.parametrize(
    "role", [Role.ENTERPRISE_MANAGER, Role.ENTERPRISE_VIEWER, Role.PROVIDER_MANAGER, Role.PROVIDER_TECHNICIAN]
)
def test_only_the_department_has_the_inspection_list_and_the_registry_search(client, auth, role):
    user = _user(role)
    db.session.commit()
    logged_in(client, auth, user)
    assert client.get("/inspection").status_code == 404
    assert client.get("/inspection?format=csv").status_code == 404
    assert client.get("/search?q=anything").status_code == 404
    assert 'data-testid="registry-search"' not in client.get("/").get_data(as_text=True)


@pytest.fixture
def findable(lab_technician):
    owner = OrganisationFactory(code="TIM-KIEM", name="Công ty Cấp nước Tìm Kiếm", tax_code="6100123456")
    meter = InstrumentFactory(owner=owner, serial_number="WM-Ab12")
    record_verification(lab_technician, meter, certificate_number="GCN-TÌM-01", stamp_number="TEM-TÌM-77")
    db.session.commit()
    return meter


@pytest.mark.parametrize(
    ("query", "group", "found"),
    [
        ("cap nuoc tim kiem", "found-organisations", "Công ty Cấp nước Tìm Kiếm"),
        ("TIM-KIEM", "found-organisations", "Công ty Cấp nước Tìm Kiếm"),
        ("6100123456", "found-organisations", "Công ty Cấp nước Tìm Kiếm"),
        ("wm-ab12", "found-instruments", "WM-Ab12"),
        ("GCN-TÌM-01", "found-certificates", "GCN-TÌM-01"),
        ("TEM-TÌM-77", "found-stamps", "TEM-TÌM-77"),
    ],
)
def test_the_registry_search_finds_each_kind_of_thing_in_its_group(
    department_officer_client, findable, query, group, found
):
    html = department_officer_client.get("/search", query_string={"q": query}).get_data(as_text=True)
    section = html[html.index(f'data-testid="{group}"') :]
    assert found in section[: section.index("</section>")]


def test_the_registry_search_says_when_nothing_matches(department_officer_client, findable):
    html = department_officer_client.get("/search?q=KHONG-CO-GI").get_data(as_text=True)
    assert 'data-testid="no-results"' in html
    # A part of a number is searched in the instrument list, which matches any part.
    assert 'href="/instruments/?q=KHONG-CO-GI"' in html


def test_the_registry_search_refuses_control_characters(department_officer_client):
    response = department_officer_client.get("/search", query_string={"q": "GCN\x00"})
    assert response.status_code == 422
    assert 'data-field="q"' in response.get_data(as_text=True)
