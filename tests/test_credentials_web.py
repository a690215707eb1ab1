"""Credential pages: a provider enters its credentials, the Department confirms or rejects them, every
state shows as a badge with words, bad input is named and nothing is half-stored."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from registry.auth.models import Role
from registry.core.dates import local_today
from registry.extensions import db
from registry.organisations.models import Accreditation, Designation, Registration, Verifier
from tests.factories import (
    AccreditationFactory,
    DesignationFactory,
    OrganisationFactory,
    RegistrationFactory,
    VerifierFactory,
    user_with_role,
)
from tests.helpers import post_form, switch_language


@pytest.fixture
def logged_in_new_lab_manager(auth, new_lab_manager):
    """``new_lab_manager``, logged in on ``client``."""
    auth.login(new_lab_manager.email)
    return new_lab_manager


@pytest.fixture
def logged_in_department_officer(auth, department_officer):
    """``department_officer``, logged in on ``client``."""
    auth.login(department_officer.email)
    return department_officer


def _count(model):
    return db.session.scalar(select(func.count(model.id)))


NEW = {
    "registrations": {
        "certificate_number": "ĐK-45/2024",
        "services": ["calibration", "testing"],
        "fields": "Khối lượng; dung tích",
        "issued_on": "2024-03-01",
    },
    "accreditations": {
        "scheme": "ISO/IEC 17025",
        "body": "BoA",
        "number": "VILAS 216",
        "scope": "khối lượng | 1 mg – 50 kg | 0,1 mg\n\náp suất | 0 – 60 MPa | 0,05 %\nnhiệt độ",
        "valid_from": "2024-01-01",
        "valid_to": "2027-01-01",
    },
    "designations": {
        "decision_number": "123/QĐ-TĐC",
        "type_codes": ["TAXIMETER", "FUEL_DISPENSER"],
        "scope": "FUEL_DISPENSER | ≤ 200 L/min",
        "valid_from": "2024-01-01",
        "valid_to": "2027-01-01",
    },
    "verifiers": {
        "name": "Nguyễn Văn Kiểm",
        "card_number": "KĐV-09",
        "type_codes": ["TAXIMETER"],
        "valid_from": "2022-07-01",
        "valid_to": "2027-06-30",
    },
}
MODELS = {
    "registrations": Registration,
    "accreditations": Accreditation,
    "designations": Designation,
    "verifiers": Verifier,
}


@pytest.mark.parametrize("path", list(NEW))
def test_a_provider_manager_adds_each_kind_which_waits_for_the_department(
    client, logged_in_new_lab_manager, path
):
    code = logged_in_new_lab_manager.organisation.code
    response = post_form(client, f"/organisations/{code}/{path}/new", NEW[path])
    assert response.status_code == 302, response.get_data(as_text=True)
    credential = db.session.scalars(select(MODELS[path])).one()
    assert response.headers["Location"] == f"/organisations/{code}/{path}/{credential.id}"
    assert credential.confirmation == "pending"
    page = client.get(f"/organisations/{code}").get_data(as_text=True)
    assert f'data-testid="{path}"' in page
    assert 'data-confirmation="pending"' in page
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="review"' not in detail  # the provider does not review itself
    assert 'data-testid="history"' in detail


def test_the_forms_shape_scopes_and_ranges(client, logged_in_new_lab_manager):
    code = logged_in_new_lab_manager.organisation.code
    post_form(client, f"/organisations/{code}/accreditations/new", NEW["accreditations"])
    post_form(client, f"/organisations/{code}/designations/new", NEW["designations"])
    accreditation = db.session.scalars(select(Accreditation)).one()
    assert accreditation.scope == [
        {"quantity": "khối lượng", "range": "1 mg – 50 kg", "cmc": "0,1 mg"},
        {"quantity": "áp suất", "range": "0 – 60 MPa", "cmc": "0,05 %"},
        {"quantity": "nhiệt độ", "range": "", "cmc": ""},
    ]
    designation = db.session.scalars(select(Designation)).one()
    # In the order of the chosen types, each with the range its line gives.
    assert designation.scope == [
        {"type_code": "TAXIMETER", "range": ""},
        {"type_code": "FUEL_DISPENSER", "range": "≤ 200 L/min"},
    ]
    edit = client.get(f"/organisations/{code}/designations/{designation.id}/edit").get_data(as_text=True)
    assert "FUEL_DISPENSER | ≤ 200 L/min" in edit
    assert '<option selected value="TAXIMETER">' in edit


@pytest.mark.parametrize(
    "path, changes, field",
    [
        ("registrations", {"certificate_number": ""}, "certificate_number"),
        ("registrations", {"services": []}, "services"),
        ("registrations", {"services": ["repair"]}, "services"),
        ("registrations", {"issued_on": "30/02/2024"}, "issued_on"),
        ("registrations", {"issued_on": ""}, "issued_on"),
        ("accreditations", {"valid_to": "2023-12-31"}, "valid_to"),
        ("accreditations", {"scheme": "ISO 14001"}, "scheme"),
        ("accreditations", {"scope": " | 1 – 2 kg"}, "scope"),
        ("accreditations", {"number": "x" * 81}, "number"),
        ("designations", {"type_codes": ["NO_SUCH_TYPE"]}, "type_codes"),
        ("designations", {"type_codes": [], "scope": ""}, "type_codes"),
        # Two ranges for one type: refused, not one of them silently dropped.
        (
            "designations",
            {"scope": "FUEL_DISPENSER | ≤ 200 L/min\nFUEL_DISPENSER | ≤ 300 L/min"},
            "scope",
        ),
        ("verifiers", {"type_codes": []}, "type_codes"),
        ("verifiers", {"valid_to": "tomorrow"}, "valid_to"),
        ("verifiers", {"valid_from": ""}, "valid_from"),
        ("verifiers", {"valid_from": "01/07/2027"}, "valid_to"),
        ("verifiers", {"name": "   "}, "name"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(
    client, logged_in_new_lab_manager, path, changes, field
):
    response = post_form(
        client,
        f"/organisations/{logged_in_new_lab_manager.organisation.code}/{path}/new",
        {**NEW[path], **changes},
    )
    assert response.status_code == 422
    assert f'data-field="{field}"' in response.get_data(as_text=True)
    assert _count(MODELS[path]) == 0


def test_vietnamese_is_stored_composed(client, logged_in_new_lab_manager):
    nfd = unicodedata.normalize("NFD", "Lê Thị Đào")
    post_form(
        client,
        f"/organisations/{logged_in_new_lab_manager.organisation.code}/verifiers/new",
        {**NEW["verifiers"], "name": nfd},
    )
    assert db.session.scalars(select(Verifier)).one().name == "Lê Thị Đào"


def test_an_enterprise_cannot_hold_credentials(client, logged_in_department_officer):
    enterprise = OrganisationFactory(code="ENT-ONLY")
    db.session.commit()
    switch_language(client, "en")
    response = post_form(client, "/organisations/ENT-ONLY/registrations/new", NEW["registrations"])
    assert response.status_code == 422
    assert '<div class="alert alert-danger" role="alert">ENT-ONLY is not a service provider.</div>' in (
        response.get_data(as_text=True)
    )
    assert _count(Registration) == 0
    assert enterprise.is_provider is False


def test_the_department_confirms_and_rejects(client, logged_in_department_officer):
    registration = RegistrationFactory(confirmation="pending")
    db.session.commit()
    base = f"/organisations/{registration.organisation.code}/registrations/{registration.id}"
    page = client.get(base).get_data(as_text=True)
    assert 'name="decision" value="confirm"' in page and 'name="decision" value="reject"' in page
    response = post_form(client, f"{base}/review", {"decision": "reject"}, page=base)
    assert response.status_code == 422
    assert 'data-field="reason"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).confirmation == "pending"

    response = post_form(client, f"{base}/review", {"decision": "confirm", "reason": ""}, page=base)
    assert response.status_code == 302 and response.headers["Location"] == base
    db.session.expire_all()
    confirmed = db.session.get(Registration, registration.id)
    assert (confirmed.confirmation, confirmed.confirmed_by_id) == (
        "confirmed",
        logged_in_department_officer.id,
    )
    page = client.get(base).get_data(as_text=True)
    assert 'data-confirmation="confirmed"' in page
    assert 'value="confirm"' not in page  # already confirmed: only rejecting is offered

    response = post_form(client, f"{base}/review", {"decision": "reject", "reason": "Sai số hiệu"}, page=base)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).confirmation == "rejected"
    assert "Sai số hiệu" in client.get(base).get_data(as_text=True)  # in the history


def test_a_provider_cannot_confirm_its_own_credential(client, logged_in_new_lab_manager):
    registration = RegistrationFactory(
        organisation=logged_in_new_lab_manager.organisation, confirmation="pending"
    )
    db.session.commit()
    base = f"/organisations/{logged_in_new_lab_manager.organisation.code}/registrations/{registration.id}"
    response = post_form(client, f"{base}/review", {"decision": "confirm"}, page=base)
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).confirmation == "pending"


def test_a_provider_s_amendment_goes_back_to_pending_and_it_cannot_revoke(client, logged_in_new_lab_manager):
    registration = RegistrationFactory(organisation=logged_in_new_lab_manager.organisation)
    db.session.commit()
    path = (
        f"/organisations/{logged_in_new_lab_manager.organisation.code}/registrations/{registration.id}/edit"
    )
    form = client.get(path).get_data(as_text=True)
    assert 'name="revoked_on"' not in form
    response = post_form(
        client,
        path,
        {
            "certificate_number": registration.certificate_number,
            "services": ["testing"],
            "fields": "Điện",
            "issued_on": "2024-01-01",
            "revoked_on": "2024-06-01",
            "reason": "Bổ sung",
            "version": "1",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    amended = db.session.get(Registration, registration.id)
    assert (amended.services, amended.confirmation, amended.revoked_on) == (["testing"], "pending", None)


def test_the_department_revokes_a_registration_and_the_badge_says_so(client, logged_in_department_officer):
    registration = RegistrationFactory()
    db.session.commit()
    code = registration.organisation.code
    path = f"/organisations/{code}/registrations/{registration.id}/edit"
    values = {
        "certificate_number": registration.certificate_number,
        "services": registration.services,
        "fields": registration.fields,
        "issued_on": "2024-01-01",
    }
    today = local_today().isoformat()
    response = post_form(
        client, path, {**values, "revoked_on": today, "reason": "QĐ thu hồi 7", "version": "1"}
    )
    assert response.status_code == 302
    page = client.get(f"/organisations/{code}").get_data(as_text=True)
    assert 'data-state="revoked"' in page and 'data-confirmation="confirmed"' in page
    # A stale form is refused and keeps what was typed.
    response = post_form(client, path, {**values, "fields": "Tôi sửa", "reason": "Sửa", "version": "1"})
    assert response.status_code == 422
    assert 'data-testid="conflict"' in response.get_data(as_text=True)
    assert "Tôi sửa" in response.get_data(as_text=True)


def test_every_state_shows_as_a_badge_with_words(client, logged_in_department_officer):
    switch_language(client, "en")
    today = local_today()
    provider = OrganisationFactory(provider=True)
    AccreditationFactory(organisation=provider, valid_from=today, valid_to=today + timedelta(days=365))
    AccreditationFactory(organisation=provider, valid_from=today, valid_to=today + timedelta(days=30))
    AccreditationFactory(
        organisation=provider, valid_from=date(2020, 1, 1), valid_to=today - timedelta(days=1)
    )
    AccreditationFactory(organisation=provider, valid_from=today + timedelta(days=1), confirmation="pending")
    AccreditationFactory(organisation=provider, suspension="suspended", confirmation="rejected")
    AccreditationFactory(organisation=provider, suspension="withdrawn")
    RegistrationFactory(organisation=provider, revoked_on=today)
    DesignationFactory(organisation=provider)
    VerifierFactory(organisation=provider)
    db.session.commit()
    html = client.get(f"/organisations/{provider.code}").get_data(as_text=True)
    badges = re.findall(r'<span class="badge ([\w-]+)" data-state="(\w+)">([^<]+)</span>', html)
    states = {(state, words) for _, state, words in badges}
    assert {
        ("valid", "Valid"),
        ("expiring", "Expiring soon"),
        ("lapsed", "Lapsed"),
        ("not_yet_valid", "Not yet valid"),
        ("suspended", "Suspended"),
        ("withdrawn", "Withdrawn"),
        ("revoked", "Revoked"),
    } <= states
    assert {colour for colour, state, _ in badges if state == "valid"} == {"text-bg-success"}
    assert {colour for colour, state, _ in badges if state == "lapsed"} == {"text-bg-danger"}
    for words in ("Awaiting confirmation", "Confirmed", "Rejected"):
        assert words in html


def test_another_organisation_s_credentials_are_not_found(client, logged_in_new_lab_manager):
    other = RegistrationFactory()
    db.session.commit()
    code = other.organisation.code
    assert client.get(f"/organisations/{code}/registrations/{other.id}").status_code == 404
    # Nor through its own organisation's address.
    own = logged_in_new_lab_manager.organisation.code
    assert client.get(f"/organisations/{own}/registrations/{other.id}").status_code == 404
    assert client.get(f"/organisations/{own}/registrations/{other.id}/edit").status_code == 404
    assert client.get(f"/organisations/{own}/registrations/999999/edit").status_code == 404


@pytest.mark.parametrize("role", [Role.PROVIDER_TECHNICIAN, Role.ENTERPRISE_MANAGER])
def test_others_of_the_organisation_read_but_do_not_add(client, auth, role):
    provider = OrganisationFactory(provider=True, is_enterprise=True)
    user = user_with_role(role, organisation=provider)
    registration = RegistrationFactory(organisation=provider)
    db.session.commit()
    auth.login(user.email)
    page = client.get(f"/organisations/{provider.code}").get_data(as_text=True)
    assert registration.certificate_number in page
    assert f"/organisations/{provider.code}/registrations/new" not in page
    assert client.get(f"/organisations/{provider.code}/registrations/new").status_code == 403


def test_the_department_s_queue_lists_pending_credentials_and_confirms_from_the_organisation_page(
    client, logged_in_department_officer
):
    pending = VerifierFactory(confirmation="pending", card_number="KĐV-CHỜ")
    RegistrationFactory(organisation=pending.organisation, certificate_number="ĐK-XONG")
    db.session.commit()
    queue = client.get("/organisations/pending-credentials").get_data(as_text=True)
    assert "KĐV-CHỜ" in queue and "ĐK-XONG" not in queue
    assert "/organisations/pending-credentials" in client.get("/organisations/").get_data(as_text=True)
    page_path = f"/organisations/{pending.organisation.code}"
    page = client.get(page_path).get_data(as_text=True)
    review = f"{page_path}/verifiers/{pending.id}/review"
    assert f'action="{review}"' in page
    response = post_form(client, review, {"decision": "confirm"}, page=page_path)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Verifier, pending.id).confirmation == "confirmed"
    assert "KĐV-CHỜ" not in client.get("/organisations/pending-credentials").get_data(as_text=True)


def test_others_see_only_their_own_pending_credentials(client, logged_in_new_lab_manager):
    own = RegistrationFactory(organisation=logged_in_new_lab_manager.organisation, confirmation="pending")
    other = RegistrationFactory(confirmation="pending")
    db.session.commit()
    queue = client.get("/organisations/pending-credentials").get_data(as_text=True)
    assert own.certificate_number in queue and other.certificate_number not in queue
    page = client.get(f"/organisations/{logged_in_new_lab_manager.organisation.code}").get_data(as_text=True)
    assert "/review" not in page  # no confirm button for the provider


def test_a_verifier_card_shows_its_start_and_one_entered_before_it_was_asked_says_so(
    client, logged_in_new_lab_manager
):
    switch_language(client, "en")
    lab = logged_in_new_lab_manager.organisation
    dated = VerifierFactory(organisation=lab, valid_from=date(2022, 7, 1), valid_to=date(2027, 6, 30))
    undated = VerifierFactory(organisation=lab, valid_from=None, valid_to=date(2027, 6, 30))
    page = client.get(f"/organisations/{lab.code}/verifiers/{dated.id}").get_data(as_text=True)
    assert "01/07/2022 – 30/06/2027" in page
    page = client.get(f"/organisations/{lab.code}/verifiers/{undated.id}").get_data(as_text=True)
    assert "until 30/06/2027" in page and "start not recorded" in page
    edit = client.get(f"/organisations/{lab.code}/verifiers/{undated.id}/edit").get_data(as_text=True)
    assert 'name="valid_from"' in edit


def test_a_credentials_history_reads_in_words(client, logged_in_department_officer):
    """Who confirmed it by name, the confirmation in words — not a user id, a state code or True/False."""
    registration = RegistrationFactory(confirmation="pending")
    db.session.commit()
    switch_language(client, "en")
    base = f"/organisations/{registration.organisation.code}/registrations/{registration.id}"
    post_form(client, f"{base}/review", {"decision": "confirm", "reason": ""}, page=base)
    history = client.get(base).get_data(as_text=True).split('data-testid="history"')[1]
    changes = " ".join(history.split())
    assert "<strong>Confirmation</strong>: <del>Awaiting confirmation</del> → Confirmed" in changes
    officer = logged_in_department_officer
    assert f"<strong>Confirmed by</strong>: <del></del> → {officer.name or officer.email}" in changes
    for raw in ("confirmed_by_id", "confirmation</strong>: <del>pending", "organisation_id"):
        assert raw not in changes, raw


def test_designations_and_verifier_cards_name_their_instrument_types(client, logged_in_new_lab_manager):
    lab = logged_in_new_lab_manager.organisation
    card = VerifierFactory(organisation=lab, type_codes=["FUEL_DISPENSER", "TAXIMETER"])
    page = client.get(f"/organisations/{lab.code}").get_data(as_text=True)
    assert "Cột đo xăng dầu, Taximet" in page and "FUEL_DISPENSER" not in page
    detail = client.get(f"/organisations/{lab.code}/verifiers/{card.id}").get_data(as_text=True)
    assert "Cột đo xăng dầu, Taximet" in detail and "FUEL_DISPENSER" not in detail
    switch_language(client, "en")
    assert "Fuel dispenser, Taximeter" in client.get(f"/organisations/{lab.code}").get_data(as_text=True)
