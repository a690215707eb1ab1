"""Organisation pages: field errors in the user's language, stale edits, nothing half-stored."""

from __future__ import annotations

import unicodedata

import pytest
from sqlalchemy import func, select

from registry.audit import services as audit
from registry.auth.models import Role
from registry.extensions import db
from registry.organisations.models import Organisation
from tests.factories import OrganisationFactory, user_with_role
from tests.helpers import csrf_token_from, logged_in, page_link, post_form, switch_language


def test_create_organisation_stores_vietnamese_in_nfc(department_officer_client):
    decomposed = unicodedata.normalize("NFD", "Công ty Xăng dầu Bắc Tây Nguyên")
    response = post_form(
        department_officer_client,
        "/organisations/new",
        {"code": "xd-btn", "name": decomposed, "kinds": ["enterprise"]},
    )
    assert response.status_code == 302
    organisation = db.session.scalar(select(Organisation).where(Organisation.code == "XD-BTN"))
    assert organisation.name == unicodedata.normalize("NFC", decomposed)


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"code": "", "name": "Tên", "kinds": ["enterprise"]}, "code", "bắt buộc"),
        ({"code": "A B", "name": "Tên", "kinds": ["enterprise"]}, "code", "chữ cái"),
        ({"code": "OK1", "name": "", "kinds": ["enterprise"]}, "name", "bắt buộc"),
        ({"code": "OK2", "name": "x" * 256, "kinds": ["enterprise"]}, "name", "255"),
        ({"code": "OK3", "name": "Tên", "kinds": []}, "kinds", "ít nhất một"),
        ({"code": "OK4", "name": "Tên", "kinds": ["bank"]}, "kinds", "hợp lệ"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(department_officer_client, data, field, message):
    before = db.session.scalar(select(func.count(Organisation.id)))
    response = post_form(department_officer_client, "/organisations/new", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'data-field="{field}"' in html
    assert message in html
    assert db.session.scalar(select(func.count(Organisation.id))) == before


def test_duplicate_code_is_refused_with_the_code_named(department_officer_client):
    OrganisationFactory(code="DUP")
    db.session.commit()
    response = post_form(
        department_officer_client,
        "/organisations/new",
        {"code": "dup", "name": "Khác", "kinds": ["provider"]},
    )
    assert response.status_code == 422
    assert "Đã có tổ chức với mã DUP" in response.get_data(as_text=True)


def test_a_stale_edit_is_refused_with_a_clear_message_and_keeps_the_users_input(department_officer_client):
    organisation = OrganisationFactory(code="STALE", name="Ban đầu")
    db.session.commit()
    page = department_officer_client.get("/organisations/STALE/edit").get_data(as_text=True)
    token = csrf_token_from(page)
    assert 'name="version" type="hidden" value="1"' in page

    # Someone else saves first.
    with audit.reason("Người khác sửa"):
        organisation.name = "Người khác sửa"
    db.session.commit()

    response = department_officer_client.post(
        "/organisations/STALE/edit",
        data={
            "csrf_token": token,
            "name": "Tôi sửa",
            "kinds": ["enterprise"],
            "reason": "Sửa tên",
            "version": "1",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-testid="conflict"' in html
    assert "người khác sửa" in html
    assert 'value="Tôi sửa"' in html
    db.session.refresh(organisation)
    assert organisation.name == "Người khác sửa"


def test_edit_requires_a_reason(department_officer_client):
    OrganisationFactory(code="NOREASON")
    db.session.commit()
    response = post_form(
        department_officer_client,
        "/organisations/NOREASON/edit",
        {"name": "X", "kinds": ["enterprise"], "version": "1"},
    )
    assert response.status_code == 422
    assert 'data-field="reason"' in response.get_data(as_text=True)


def test_errors_follow_the_chosen_language(department_officer_client):
    token = csrf_token_from(department_officer_client.get("/").get_data(as_text=True))
    department_officer_client.post("/language", data={"csrf_token": token, "lang": "en", "next": "/"})
    response = post_form(
        department_officer_client, "/organisations/new", {"code": "", "name": "", "kinds": []}
    )
    assert "This field is required." in response.get_data(as_text=True)


def test_dates_are_shown_day_month_year(department_officer_client):
    from datetime import UTC, datetime

    OrganisationFactory(code="DATED", created_at=datetime(2025, 2, 28, 20, 0, tzinfo=UTC))
    db.session.commit()
    html = department_officer_client.get("/organisations/DATED").get_data(as_text=True)
    # 20:00 UTC on 28 February is already 1 March in Asia/Ho_Chi_Minh (UTC+7).
    assert "01/03/2025" in html


# --- Every field, the list, and contact details ----------------------------------------------------------

FULL = {
    "code": "XD-DH",
    "name": "Cửa hàng Xăng dầu Đắk Hà",
    "kinds": ["enterprise"],
    "tax_code": "6100123454-001",
    "address": "Thôn 3, thị trấn Đắk Hà",
    "admin_unit": "615",
    "sectors": "xăng dầu, khí hoá lỏng",
    "state_capital_pct": "51",
    "foreign_capital_pct": "12,5",
    "public_unit": "",
}


def test_create_with_every_field_and_show_the_derived_ownership_class(department_officer_client):
    data = {key: value for key, value in FULL.items() if key != "public_unit"}
    response = post_form(department_officer_client, "/organisations/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    organisation = db.session.scalar(select(Organisation).where(Organisation.code == "XD-DH"))
    assert organisation.tax_code == "6100123454-001"
    assert organisation.admin_unit.code == "615"
    assert organisation.sectors == ["xăng dầu", "khí hoá lỏng"]
    assert (str(organisation.state_capital_pct), str(organisation.foreign_capital_pct)) == ("51.00", "12.50")
    assert organisation.public_unit is False
    switch_language(department_officer_client, "en")
    html = department_officer_client.get("/organisations/XD-DH").get_data(as_text=True)
    assert "6100123454-001" in html and "Huyện Đắk Hà (615)" in html and "xăng dầu, khí hoá lỏng" in html
    assert '<dd class="col-sm-9" data-testid="ownership-class">With state capital</dd>' in html
    # No credentials section for an enterprise without any.
    assert 'data-testid="credentials"' not in html


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"tax_code": "6100123455"}, "tax_code"),
        ({"tax_code": "12345"}, "tax_code"),
        ({"admin_unit": "999"}, "admin_unit"),
        ({"state_capital_pct": "-1"}, "state_capital_pct"),
        ({"state_capital_pct": "abc"}, "state_capital_pct"),
        ({"state_capital_pct": "1.234"}, "state_capital_pct"),
        ({"foreign_capital_pct": "50"}, "foreign_capital_pct"),  # 51 + 50 > 100
        ({"address": "x" * 501}, "address"),
        ({"sectors": ",".join(str(n) for n in range(21))}, "sectors"),
    ],
)
def test_bad_details_are_refused_by_field_and_nothing_is_stored(department_officer_client, changes, field):
    before = db.session.scalar(select(func.count(Organisation.id)))
    response = post_form(department_officer_client, "/organisations/new", {**FULL, **changes})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'data-field="{field}"' in html
    assert db.session.scalar(select(func.count(Organisation.id))) == before


def test_the_department_edits_every_field(department_officer_client):
    OrganisationFactory(code="EDIT-ALL")
    db.session.commit()
    data = {key: value for key, value in FULL.items() if key != "code"}
    response = post_form(
        department_officer_client,
        "/organisations/EDIT-ALL/edit",
        {**data, "public_unit": "y", "reason": "Theo giấy phép", "version": "1"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    organisation = db.session.scalar(select(Organisation).where(Organisation.code == "EDIT-ALL"))
    assert organisation.public_unit is True
    assert organisation.ownership_class == "public_unit"
    assert organisation.search_text == "edit-all cua hang xang dau dak ha"
    form = department_officer_client.get("/organisations/EDIT-ALL/edit").get_data(as_text=True)
    assert 'value="12.5"' in form and 'value="xăng dầu, khí hoá lỏng"' in form
    assert '<option selected value="615">' in form


def test_the_list_searches_filters_sorts_and_pages(department_officer_client):
    for n in range(27):
        OrganisationFactory(code=f"LIST{n:02d}", name=f"Doanh nghiệp {n:02d}")
    OrganisationFactory(code="DAKHA", name="Cửa hàng Đắk Hà", is_provider=True, admin_unit_id=_unit("615"))
    db.session.commit()
    first = department_officer_client.get("/organisations/?sort=code").get_data(as_text=True)
    following = page_link(first, "next-page")
    assert following and "sort=code" in following
    second = department_officer_client.get(following).get_data(as_text=True)
    assert "LIST26" in second and "LIST00" not in second
    back = department_officer_client.get(page_link(second, "previous-page")).get_data(as_text=True)
    assert "LIST00" in back and "LIST26" not in back
    found = department_officer_client.get(
        "/organisations/", query_string={"q": unicodedata.normalize("NFD", "ĐẮK HÀ")}
    )
    assert "DAKHA" in found.get_data(as_text=True) and "LIST01" not in found.get_data(as_text=True)
    by_kind = department_officer_client.get("/organisations/?kind=provider").get_data(as_text=True)
    assert "DAKHA" in by_kind and "LIST01" not in by_kind
    by_unit = department_officer_client.get("/organisations/?admin_unit=615").get_data(as_text=True)
    assert "DAKHA" in by_unit and "LIST01" not in by_unit
    nothing = department_officer_client.get("/organisations/?q=zzzz")
    assert nothing.status_code == 200 and "LIST01" not in nothing.get_data(as_text=True)
    # A damaged page link: the first page, not an error.
    damaged = department_officer_client.get("/organisations/?sort=newest&after=bm90LWEtY3Vyc29y")
    assert damaged.status_code == 200 and 'data-testid="page-reset"' in damaged.get_data(as_text=True)


def test_the_newest_first_list_pages_by_registration_time(department_officer_client, monkeypatch):
    from registry.organisations import views

    monkeypatch.setattr(views, "PER_PAGE", 2)
    codes = [OrganisationFactory(code=f"NEW{n}").code for n in range(3)]
    db.session.commit()
    first = department_officer_client.get("/organisations/?sort=newest&q=new").get_data(as_text=True)
    second = department_officer_client.get(page_link(first, "next-page")).get_data(as_text=True)
    assert codes[2] in first and codes[1] in first and codes[0] in second and codes[1] not in second


@pytest.mark.parametrize(
    "query, field",
    [("kind=bank", "kind"), ("sort=size", "sort"), ("admin_unit=999", "admin_unit"), ("q=" + "x" * 201, "q")],
)
def test_a_bad_filter_is_named(department_officer_client, query, field):
    response = department_officer_client.get(f"/organisations/?{query}")
    assert response.status_code == 422
    assert f'data-field="{field}"' in response.get_data(as_text=True)


def _unit(code):
    from registry.catalogue.models import AdminUnit

    return db.session.scalar(select(AdminUnit.id).where(AdminUnit.code == code))


def test_the_list_shows_others_only_their_own_organisation(client, auth):
    manager = user_with_role(Role.ENTERPRISE_MANAGER)
    OrganisationFactory(code="SOMEONE-ELSE")
    db.session.commit()
    auth.login(manager.email)
    html = client.get("/organisations/").get_data(as_text=True)
    assert manager.organisation.code in html and "SOMEONE-ELSE" not in html


@pytest.mark.parametrize("role", [Role.ENTERPRISE_MANAGER, Role.PROVIDER_MANAGER])
def test_a_manager_changes_its_contact_details_but_not_the_rest(client, auth, role):
    manager = user_with_role(role)
    db.session.commit()
    auth.login(manager.email)
    code = manager.organisation.code
    page = client.get(f"/organisations/{code}").get_data(as_text=True)
    assert f"/organisations/{code}/contact" in page and f"/organisations/{code}/edit" not in page
    form = client.get(f"/organisations/{code}/contact").get_data(as_text=True)
    assert 'name="name"' not in form and 'name="tax_code"' not in form
    nfd = unicodedata.normalize("NFD", "Số 5 Phan Đình Phùng")
    response = post_form(
        client,
        f"/organisations/{code}/contact",
        {
            "address": nfd,
            "admin_unit": "608",
            "sectors": "cấp nước",
            "reason": "Chuyển trụ sở",
            "version": "1",
            # Fields of the full form are ignored here.
            "name": "Tên lậu",
            "public_unit": "y",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    organisation = db.session.get(Organisation, manager.organisation_id)
    assert (organisation.address, organisation.admin_unit.code, organisation.sectors) == (
        "Số 5 Phan Đình Phùng",
        "608",
        ["cấp nước"],
    )
    assert organisation.name != "Tên lậu" and organisation.public_unit is False
    assert client.get(f"/organisations/{code}/edit").status_code == 403


def test_a_contact_change_needs_a_reason_and_a_known_unit(client, auth):
    manager = user_with_role(Role.ENTERPRISE_MANAGER)
    db.session.commit()
    auth.login(manager.email)
    path = f"/organisations/{manager.organisation.code}/contact"
    response = post_form(client, path, {"address": "Số 1", "admin_unit": "12345", "version": "1"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-field="reason"' in html
    response = post_form(
        client, path, {"address": "Số 1", "admin_unit": "12345", "reason": "x", "version": "1"}
    )
    assert 'data-field="admin_unit"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Organisation, manager.organisation_id).address == ""


def test_the_organisation_list_downloads_as_csv_and_xlsx_with_its_filters(department_officer_client):
    import csv
    import io

    from openpyxl import load_workbook

    OrganisationFactory(code="XD-ONE", name="Công ty Xăng dầu Một", search_text="xd-one cong ty xang dau mot")
    OrganisationFactory(code="NUOC-ONE", name="Công ty Nước Một", search_text="nuoc-one cong ty nuoc mot")
    db.session.commit()

    response = department_officer_client.get("/organisations/?q=xang+dau&format=csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="organisations-')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Mã", "Tên", "Loại hình"]
    assert [row[0] for row in rows[1:]] == ["XD-ONE"]

    response = department_officer_client.get("/organisations/?q=mot&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    codes = sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert codes == ["NUOC-ONE", "XD-ONE"]

    assert department_officer_client.get("/organisations/?format=pdf").status_code == 400


def test_the_organisations_history_reads_in_words(client, auth, department_admin):
    """Labels and names, not column names, row ids or True/False."""
    organisation = OrganisationFactory(code="CTY-LS", name="Công ty Lịch Sử")
    db.session.commit()
    logged_in(client, auth, department_admin)
    post_form(
        client,
        f"/organisations/{organisation.code}/edit",
        {
            "name": "Công ty Lịch Sử Mới",
            "kinds": ["enterprise", "provider"],
            "reason": "Đổi tên",
            "version": str(organisation.version),
        },
        page=f"/organisations/{organisation.code}/edit",
    )
    history = (
        client.get(f"/organisations/{organisation.code}")
        .get_data(as_text=True)
        .split('data-testid="history"')[1]
    )
    changes = " ".join(history.split())
    assert "<strong>Name</strong>: <del>Công ty Lịch Sử</del> → Công ty Lịch Sử Mới" in changes
    assert "<strong>Service provider</strong>: <del>No</del> → Yes" in changes
    for raw in ("is_provider", "search_text", "True", "False", "admin_unit_id"):
        assert raw not in history, raw
