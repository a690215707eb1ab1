"""Organisation pages: field errors in the user's language, stale edits, nothing half-stored."""

from __future__ import annotations

import unicodedata

import pytest
from sqlalchemy import func, select

from registry.auth.models import Role
from registry.extensions import db
from registry.organisations.models import Organisation
from tests.conftest import csrf_token_from
from tests.factories import OrganisationFactory, user_with_role


@pytest.fixture
def officer_client(client, auth):
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    db.session.commit()
    auth.login(officer.email)
    return client


def _post_form(client, path, data):
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def test_create_organisation_stores_vietnamese_in_nfc(officer_client):
    decomposed = unicodedata.normalize("NFD", "Công ty Xăng dầu Bắc Tây Nguyên")
    response = _post_form(
        officer_client, "/organisations/new", {"code": "xd-btn", "name": decomposed, "kinds": ["enterprise"]}
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
def test_bad_input_names_the_field_and_stores_nothing(officer_client, data, field, message):
    before = db.session.scalar(select(func.count(Organisation.id)))
    response = _post_form(officer_client, "/organisations/new", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'data-field="{field}"' in html
    assert message in html
    assert db.session.scalar(select(func.count(Organisation.id))) == before


def test_duplicate_code_is_refused_with_the_code_named(officer_client):
    OrganisationFactory(code="DUP")
    db.session.commit()
    response = _post_form(
        officer_client, "/organisations/new", {"code": "dup", "name": "Khác", "kinds": ["provider"]}
    )
    assert response.status_code == 422
    assert "Đã có tổ chức với mã DUP" in response.get_data(as_text=True)


def test_a_stale_edit_is_refused_with_a_clear_message_and_keeps_the_users_input(officer_client):
    organisation = OrganisationFactory(code="STALE", name="Ban đầu")
    db.session.commit()
    page = officer_client.get("/organisations/STALE/edit").get_data(as_text=True)
    token = csrf_token_from(page)
    assert 'name="version" type="hidden" value="1"' in page

    # Someone else saves first.
    organisation.name = "Người khác sửa"
    db.session.commit()

    response = officer_client.post(
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


def test_edit_requires_a_reason(officer_client):
    OrganisationFactory(code="NOREASON")
    db.session.commit()
    response = _post_form(
        officer_client, "/organisations/NOREASON/edit", {"name": "X", "kinds": ["enterprise"], "version": "1"}
    )
    assert response.status_code == 422
    assert 'data-field="reason"' in response.get_data(as_text=True)


def test_errors_follow_the_chosen_language(officer_client):
    token = csrf_token_from(officer_client.get("/").get_data(as_text=True))
    officer_client.post("/language", data={"csrf_token": token, "lang": "en", "next": "/"})
    response = _post_form(officer_client, "/organisations/new", {"code": "", "name": "", "kinds": []})
    assert "This field is required." in response.get_data(as_text=True)


def test_dates_are_shown_day_month_year(officer_client):
    from datetime import UTC, datetime

    OrganisationFactory(code="DATED", created_at=datetime(2025, 2, 28, 20, 0, tzinfo=UTC))
    db.session.commit()
    html = officer_client.get("/organisations/DATED").get_data(as_text=True)
    # 20:00 UTC on 28 February is already 1 March in Asia/Ho_Chi_Minh (UTC+7).
    assert "01/03/2025" in html
