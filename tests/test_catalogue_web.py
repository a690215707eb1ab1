"""Catalogue pages: the list with its "to be verified" badges, filters and search, a type's periods and
history, the Department admin's edit forms, and the administrative units."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import pytest
from sqlalchemy import func, select

from registry.audit import services as audit
from registry.auth.models import Role
from registry.catalogue import services
from registry.catalogue.models import LegalRule
from registry.extensions import db
from tests.factories import user_with_role
from tests.helpers import audit_count, csrf_token_from, logged_in, post_form, switch_language


def login(client, auth, role):
    user = user_with_role(role)
    db.session.commit()
    assert auth.login(user.email).status_code == 302
    return client


@pytest.fixture
def enterprise_viewer_client(client, auth):
    return login(client, auth, Role.ENTERPRISE_VIEWER)


@pytest.fixture
def department_admin_client(client, auth):
    return login(client, auth, Role.DEPARTMENT_ADMIN)


def rows(html):
    """{code: the row's HTML} of the catalogue table."""
    return dict(re.findall(r'<tr data-code="([^"]+)">(.*?)</tr>', html, re.S))


def rule(code, start):
    db.session.expire_all()
    return next(
        r for r in services.find_instrument_type(code).rules if r.effective_from == date.fromisoformat(start)
    )


# --- the list -----------------------------------------------------------------------------------------


def test_every_role_sees_the_whole_catalogue_with_verify_badges(enterprise_viewer_client):
    response = enterprise_viewer_client.get("/catalogue/")
    assert response.status_code == 200
    listed = rows(response.get_data(as_text=True))
    assert len(listed) == 89
    # Vietnamese by default: Vietnamese names and quantities, and the badge on rows whose type or any
    # rule is not yet confirmed.
    assert "Taximet" in listed["TAXIMETER"] and "Taximeter" not in listed["TAXIMETER"]
    for code in ("TAXIMETER", "ENERGY_METER_1P_IND", "EV_CHARGER_AC_CAR"):
        assert 'data-testid="verify"' in listed[code], code
    for code in ("TAPE_MEASURE", "EDM"):
        assert 'data-testid="verify"' not in listed[code], code
    # The cycle and controls in force today.
    assert "18" in listed["TAXIMETER"] and ">PV<" in listed["TAXIMETER"]


def test_names_follow_the_interface_language(enterprise_viewer_client):
    switch_language(enterprise_viewer_client, "en")
    listed = rows(enterprise_viewer_client.get("/catalogue/").get_data(as_text=True))
    assert "Taximeter" in listed["TAXIMETER"]
    assert "to be verified" in listed["TAXIMETER"]
    assert "Distance/time" in listed["TAXIMETER"]


def test_the_cycle_shown_is_the_one_in_force_on_the_chosen_day(enterprise_viewer_client):
    listed = rows(enterprise_viewer_client.get("/catalogue/?on=2019-06-01").get_data(as_text=True))
    assert "12" in listed["TAXIMETER"] and "18" not in listed["TAXIMETER"]
    # The induction meter left the list on 2024-10-15.
    assert "60" in listed["ENERGY_METER_1P_IND"]
    today = rows(enterprise_viewer_client.get("/catalogue/?on=15/10/2024").get_data(as_text=True))
    assert "60" not in today["ENERGY_METER_1P_IND"]


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"q": "công tơ điện 3 pha"}, {"ENERGY_METER_3P_ELEC", "ENERGY_METER_3P_IND"}),
        (
            {"q": unicodedata.normalize("NFD", "Công tơ điện 3 PHA")},
            {"ENERGY_METER_3P_ELEC", "ENERGY_METER_3P_IND"},
        ),
        ({"q": "cong to dien 3 pha"}, {"ENERGY_METER_3P_ELEC", "ENERGY_METER_3P_IND"}),
        ({"q": "dak"}, set()),
        ({"q": "taximeter"}, {"TAXIMETER"}),
        ({"q": "ĐỒNG HỒ ĐO NƯỚC"}, {"WATER_METER_MECH", "WATER_METER_ELEC"}),
        ({"quantity": "density"}, {"HYDROMETER"}),
        ({"quantity": "mass", "q": "cân ô tô"}, {"SCALE_VEHICLE", "SCALE_VEHICLE_LOAD_CONTROL"}),
        ({"quantity": "length", "q": "cân ô tô"}, set()),
    ],
)
def test_search_and_filter(enterprise_viewer_client, query, expected):
    response = enterprise_viewer_client.get("/catalogue/", query_string=query)
    assert response.status_code == 200
    assert set(rows(response.get_data(as_text=True))) == expected


@pytest.mark.parametrize(
    "query, field",
    [({"q": "x" * 201}, "q"), ({"q": "a\x00b"}, "q"), ({"on": "2019-02-30"}, "on")],
)
def test_a_bad_filter_names_the_field(enterprise_viewer_client, query, field):
    response = enterprise_viewer_client.get("/catalogue/", query_string=query)
    assert response.status_code == 422
    assert f'data-field="{field}"' in response.get_data(as_text=True)


# --- a type's page ------------------------------------------------------------------------------------


def test_the_detail_lists_every_period_with_verify_marks_and_notes(enterprise_viewer_client):
    response = enterprise_viewer_client.get("/catalogue/taximeter")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    periods = dict(re.findall(r'<tr data-rule="([^"]+)"[^>]*>(.*?)</tr>', html, re.S))
    assert set(periods) == {"2013-11-15", "2020-01-01"}
    assert 'data-testid="verify"' in periods["2013-11-15"]
    assert "2013 value from a secondary source" in periods["2013-11-15"]
    assert "15/11/2013 – 31/12/2019" in periods["2013-11-15"]
    assert 'data-testid="verify"' not in periods["2020-01-01"]
    assert "/catalogue/TAXIMETER/edit" not in html  # not for an enterprise


def test_an_unknown_type_is_404(enterprise_viewer_client):
    assert enterprise_viewer_client.get("/catalogue/NO-SUCH-TYPE").status_code == 404


def test_the_department_officer_reads_but_may_not_edit(client, auth):
    officer = login(client, auth, Role.DEPARTMENT_OFFICER)
    assert officer.get("/catalogue/TAXIMETER").status_code == 200
    assert officer.get("/catalogue/TAXIMETER/edit").status_code == 403
    current = rule("TAXIMETER", "2020-01-01")
    assert officer.get(f"/catalogue/TAXIMETER/rules/{current.id}/edit").status_code == 403
    assert officer.get("/catalogue/TAXIMETER/rules/new").status_code == 403


# --- editing ------------------------------------------------------------------------------------------


def test_the_admin_edits_a_rule_and_the_history_shows_it(department_admin_client):
    taximeter_2013 = rule("TAXIMETER", "2013-11-15")
    path = f"/catalogue/TAXIMETER/rules/{taximeter_2013.id}/edit"
    page = department_admin_client.get(path).get_data(as_text=True)
    assert len(re.findall(r'<input checked[^>]*name="controls"', page)) == 4
    assert 'name="version" type="hidden" value="1"' in page
    response = post_form(
        department_admin_client,
        path,
        {
            "controls": ["PA", "IV", "PV", "RV"],
            "cycle_months": "12",
            "legal_basis": "TT 23/2013",
            "effective_from": "2013-11-15",
            "effective_to": "31/12/2019",
            "confidence": "source",
            "note": "Đã đối chiếu bản gốc TT 23/2013",
            "reason": "Đối chiếu văn bản gốc",
            "version": "1",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/catalogue/TAXIMETER"
    assert rule("TAXIMETER", "2013-11-15").confidence == "source"
    html = department_admin_client.get("/catalogue/TAXIMETER").get_data(as_text=True)
    assert 'data-testid="history"' in html and "Đối chiếu văn bản gốc" in html
    assert 'data-testid="verify"' not in html  # nothing left to verify for this type
    # The history reads in words: field labels and dates, never column names or the file's raw copy.
    changes = html[html.index('data-testid="history"') :]
    changes = changes[: changes.index("</table>")]
    assert "Cần xác minh</del> → Đã đối chiếu văn bản pháp luật" in changes
    labels = re.findall(r"<strong>(.*?)</strong>", changes)
    assert labels == ["Độ tin cậy", "Ghi chú"]


def test_the_admin_moves_the_start_of_a_rule_from_the_file(department_admin_client):
    tape = rule("TAPE_MEASURE", "2013-11-15")
    path = f"/catalogue/TAPE_MEASURE/rules/{tape.id}/edit"
    response = post_form(
        department_admin_client,
        path,
        {
            "controls": tape.controls.split("+"),
            "legal_basis": tape.legal_basis,
            "effective_from": "01/12/2013",
            "confidence": tape.confidence,
            "note": tape.note,
            "reason": "Ngày hiệu lực theo bản gốc",
            "version": "1",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    (moved,) = services.find_instrument_type("TAPE_MEASURE").rules
    assert moved.effective_from == date(2013, 12, 1)
    html = department_admin_client.get("/catalogue/TAPE_MEASURE").get_data(as_text=True)
    assert "Ngày hiệu lực theo bản gốc" in html


def test_the_admin_edits_a_type_in_nfc(department_admin_client):
    name = unicodedata.normalize("NFD", "Taximet (đồng hồ tính tiền)")
    response = post_form(
        department_admin_client,
        "/catalogue/TAXIMETER/edit",
        {
            "name_vi": name,
            "name_en": "Taximeter",
            "quantity": "distance/time",
            "reason": "Tên",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert services.find_instrument_type("TAXIMETER").name_vi == unicodedata.normalize("NFC", name)


def test_group_2_on_a_day_follows_the_rules_not_a_flag(enterprise_viewer_client):
    client = enterprise_viewer_client
    switch_language(client, "en")
    assert "Yes, today (a rule is in force)" in client.get("/catalogue/TAXIMETER").get_data(as_text=True)
    removed = client.get("/catalogue/ENERGY_METER_1P_IND").get_data(as_text=True)  # left the list in 2024
    assert "No: no rule in force today (Group 1)" in removed
    before = rows(client.get("/catalogue/?on=2024-10-14").get_data(as_text=True))
    after = rows(client.get("/catalogue/?on=2024-10-15").get_data(as_text=True))
    assert "not Group 2 on this day" not in before["ENERGY_METER_1P_IND"]
    assert "not Group 2 on this day" in after["ENERGY_METER_1P_IND"]
    assert "not Group 2 on this day" in before["EV_CHARGER_AC_CAR"]  # joined on 2024-10-15
    assert "not Group 2 on this day" not in after["EV_CHARGER_AC_CAR"]


VALID_RULE = {
    "controls": ["IV", "PV"],
    "cycle_months": "24",
    "legal_basis": "TT 99/2030",
    "effective_from": "2030-01-01",
    "effective_to": "",
    "confidence": "verify",
    "note": "",
    "reason": "Thông tư mới",
}


def test_the_admin_adds_a_rule_period(department_admin_client):
    response = post_form(department_admin_client, "/catalogue/ENERGY_METER_1P_IND/rules/new", VALID_RULE)
    assert response.status_code == 302
    db.session.expire_all()
    meter = services.find_instrument_type("ENERGY_METER_1P_IND")
    added = meter.rule_on(date(2030, 6, 1))
    assert (added.controls, added.cycle_months, added.confidence) == ("IV+PV", 24, "verify")


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"cycle_months": "abc"}, "cycle_months"),
        ({"cycle_months": "0"}, "cycle_months"),
        ({"cycle_months": "1.5"}, "cycle_months"),
        ({"cycle_months": ""}, "cycle_months"),  # PV needs a cycle
        ({"controls": ["IV", "XX"]}, "controls"),
        ({"legal_basis": ""}, "legal_basis"),
        ({"legal_basis": "x" * 121}, "legal_basis"),
        ({"effective_from": ""}, "effective_from"),
        ({"effective_from": "2030-02-30"}, "effective_from"),
        ({"effective_to": "2029-12-31"}, "effective_to"),
        ({"effective_from": "2024-01-01"}, "effective_from"),  # overlaps the 2020–2024 period
        ({"confidence": "perhaps"}, "confidence"),
        ({"reason": ""}, "reason"),
    ],
)
def test_a_bad_rule_names_the_field_and_stores_nothing(department_admin_client, changes, field):
    count = db.session.scalar(select(func.count(LegalRule.id)))
    before = audit_count()
    response = post_form(
        department_admin_client, "/catalogue/ENERGY_METER_1P_IND/rules/new", {**VALID_RULE, **changes}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'data-field="{field}"' in html
    assert db.session.scalar(select(func.count(LegalRule.id))) == count
    assert audit_count() == before


def test_errors_are_in_the_users_language(department_admin_client):
    switch_language(department_admin_client, "en")
    response = post_form(
        department_admin_client,
        "/catalogue/ENERGY_METER_1P_IND/rules/new",
        {**VALID_RULE, "cycle_months": "abc"},
    )
    assert "Use a whole number of months from 1 to 240, or leave it empty." in response.get_data(as_text=True)
    response = post_form(
        department_admin_client,
        "/catalogue/ENERGY_METER_1P_IND/rules/new",
        {**VALID_RULE, "effective_from": "2024-01-01"},
    )
    assert "overlaps the rule in force from 01/01/2020 to 14/10/2024" in response.get_data(as_text=True)


def test_a_stale_rule_edit_keeps_what_the_user_typed(department_admin_client):
    current = rule("TAXIMETER", "2020-01-01")
    path = f"/catalogue/TAXIMETER/rules/{current.id}/edit"
    token = csrf_token_from(department_admin_client.get(path).get_data(as_text=True))
    with audit.reason("Người khác sửa"):
        current.note = "Người khác sửa"
    db.session.commit()
    response = department_admin_client.post(
        path,
        data={
            "csrf_token": token,
            "controls": ["PA", "IV", "PV", "RV"],
            "cycle_months": "24",
            "legal_basis": "TT 23/2013 amended by TT 07/2019",
            "effective_from": "2020-01-01",
            "confidence": "source",
            "reason": "Sửa chu kỳ",
            "version": "1",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-testid="conflict"' in html
    assert 'value="24"' in html
    assert rule("TAXIMETER", "2020-01-01").cycle_months == 18


def test_a_rule_of_another_type_is_404(department_admin_client):
    other = rule("EDM", "2013-11-15")
    assert department_admin_client.get(f"/catalogue/TAXIMETER/rules/{other.id}/edit").status_code == 404
    assert department_admin_client.get("/catalogue/NOPE/rules/new").status_code == 404


# --- administrative units -----------------------------------------------------------------------------


def test_admin_units_show_validity_successor_and_verify_marks(enterprise_viewer_client):
    response = enterprise_viewer_client.get("/admin-units/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    units = dict(re.findall(r'<tr data-code="([^"]+)"[^>]*>(.*?)</tr>', html, re.S))
    assert len(units) == 11
    assert "51 (Tỉnh Quảng Ngãi)" in units["62"]
    assert "01/07/2025" in units["615"] and 'data-testid="abolished"' in units["615"]
    assert 'data-testid="verify"' in units["615"] and 'data-testid="verify"' not in units["62"]
    assert "Huyện Đắk Hà" in units["615"]


def test_the_catalogue_downloads_with_the_rule_in_force_and_the_verify_marks(client, auth):
    import csv
    import io

    from registry.auth.models import Role
    from registry.extensions import db
    from tests.factories import user_with_role

    viewer = user_with_role(Role.ENTERPRISE_VIEWER)
    db.session.commit()
    auth.login(viewer.email)
    response = client.get("/catalogue/?q=taximet&on=2019-06-01&format=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, taximeter = rows
    assert header[0] == "Mã"
    assert taximeter[0] == "TAXIMETER"
    assert taximeter[header.index("Chu kỳ")] == "12"  # the 2013 rule, in force in 2019
    assert taximeter[-1] == "có"
    assert client.get("/catalogue/?format=doc").status_code == 400


def test_a_legal_basis_reads_in_the_page_language(client, auth, department_officer):
    browser = logged_in(client, auth, department_officer, language="vi")
    page = browser.get("/catalogue/FUEL_DISPENSER").get_data(as_text=True)
    assert "TT 23/2013 sửa đổi bởi TT 07/2019" in page and "amended by" not in page
    switch_language(browser, "en")
    assert "TT 23/2013 amended by TT 07/2019" in browser.get("/catalogue/FUEL_DISPENSER").get_data(
        as_text=True
    )
