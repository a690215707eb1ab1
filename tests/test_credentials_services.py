"""Provider credentials: their state on a date, the questions events will ask, entering, amending,
revoking and confirming them."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from registry.audit.services import history
from registry.auth.models import Role
from registry.catalogue.models import InstrumentType
from registry.core.errors import ConflictError, ForbiddenError, NotFoundError, ServiceError
from registry.extensions import db
from registry.organisations.credentials.services import (
    amend_credential,
    create_credential,
    review_credential,
)
from registry.organisations.credentials.state import (
    credential_state,
    find_accreditation,
    find_designation,
    find_registration,
    find_verifier,
    in_force,
)
from registry.organisations.models import Accreditation, Designation, Registration, Verifier
from tests.factories import (
    AccreditationFactory,
    DesignationFactory,
    OrganisationFactory,
    RegistrationFactory,
    VerifierFactory,
    user_with_role,
)

D = date(2026, 3, 15)


# --- State on a date -------------------------------------------------------------------------------------


def test_a_registration_is_valid_from_its_issue_until_it_is_revoked():
    registration = RegistrationFactory.build(issued_on=date(2024, 5, 1), revoked_on=date(2026, 3, 15))
    assert credential_state(registration, date(2024, 4, 30)) == "not_yet_valid"
    assert credential_state(registration, date(2024, 5, 1)) == "valid"
    assert credential_state(registration, date(2026, 3, 14)) == "valid"  # registrations do not expire
    assert credential_state(registration, date(2026, 3, 15)) == "revoked"
    assert credential_state(registration, date(2030, 1, 1)) == "revoked"


@pytest.mark.parametrize("factory", [AccreditationFactory, DesignationFactory])
@pytest.mark.parametrize(
    "on, state",
    [
        (date(2025, 12, 31), "not_yet_valid"),
        (date(2026, 1, 1), "valid"),
        (date(2026, 10, 31), "valid"),  # 61 days before the end
        (date(2026, 11, 1), "expiring"),  # 60 days before
        (date(2026, 12, 31), "expiring"),  # the last day
        (date(2027, 1, 1), "lapsed"),
    ],
)
def test_a_dated_credential_is_not_yet_valid_valid_expiring_then_lapsed(factory, on, state):
    credential = factory.build(valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31))
    assert credential_state(credential, on) == state


def test_a_verifier_card_is_valid_from_its_issue_to_its_end():
    card = VerifierFactory.build(valid_from=date(2022, 1, 1), valid_to=date(2026, 12, 31))
    assert credential_state(card, date(2021, 12, 31)) == "not_yet_valid"
    assert credential_state(card, date(2022, 1, 1)) == "valid"
    assert credential_state(card, date(2026, 12, 1)) == "expiring"
    assert credential_state(card, date(2027, 1, 1)) == "lapsed"


def test_a_card_entered_before_its_start_was_asked_is_judged_by_its_end():
    card = VerifierFactory.build(valid_from=None, valid_to=date(2026, 12, 31))
    assert credential_state(card, date(2000, 1, 1)) == "valid"
    assert credential_state(card, date(2026, 12, 1)) == "expiring"
    assert credential_state(card, date(2027, 1, 1)) == "lapsed"


@pytest.mark.parametrize("suspension", ["suspended", "withdrawn"])
def test_a_suspended_or_withdrawn_accreditation_is_so_whatever_the_date(suspension):
    accreditation = AccreditationFactory.build(suspension=suspension)
    assert credential_state(accreditation, date(2026, 6, 1)) == suspension
    assert credential_state(accreditation, date(2040, 6, 1)) == suspension


@pytest.mark.parametrize(
    "confirmation, counts", [("confirmed", True), ("pending", False), ("rejected", False)]
)
def test_only_confirmed_credentials_count(confirmation, counts):
    assert in_force(RegistrationFactory.build(confirmation=confirmation), D) is counts


# --- The questions events ask ----------------------------------------------------------------------------


def test_find_registration_covering_a_service_on_a_day():
    provider = OrganisationFactory(provider=True)
    registration = RegistrationFactory(
        organisation=provider,
        services=["calibration"],
        issued_on=date(2025, 1, 1),
        revoked_on=date(2026, 6, 1),
    )
    RegistrationFactory(organisation=provider, services=["verification"], confirmation="pending")
    assert find_registration(provider, "calibration", D) == registration
    assert find_registration(provider, "calibration", date(2024, 12, 31)) is None  # not yet issued
    assert find_registration(provider, "calibration", date(2026, 6, 1)) is None  # revoked that day
    assert find_registration(provider, "testing", D) is None
    assert find_registration(provider, "verification", D) is None  # pending: not confirmed yet
    assert find_registration(OrganisationFactory(provider=True), "calibration", D) is None


def test_find_designation_for_a_type_on_a_day():
    provider = OrganisationFactory(provider=True)
    designation = DesignationFactory(
        organisation=provider,
        scope=[
            {"type_code": "TAXIMETER", "range": ""},
            {"type_code": "FUEL_DISPENSER", "range": "≤ 200 L/min"},
        ],
        valid_from=date(2025, 1, 1),
        valid_to=date(2026, 12, 31),
    )
    DesignationFactory(
        organisation=provider, scope=[{"type_code": "WATER_METER_MECH"}], confirmation="rejected"
    )
    assert find_designation(provider, "taximeter", D) == designation
    assert find_designation(provider, "FUEL_DISPENSER", date(2026, 12, 31)) == designation
    assert find_designation(provider, "FUEL_DISPENSER", date(2027, 1, 1)) is None
    assert find_designation(provider, "FUEL_DISPENSER", date(2024, 12, 31)) is None
    assert find_designation(provider, "WATER_METER_MECH", D) is None  # rejected
    assert find_designation(provider, "GAS_METER_LPG", D) is None


def test_find_verifier_with_a_valid_card_for_a_type():
    provider = OrganisationFactory(provider=True)
    card = VerifierFactory(organisation=provider, card_number="KĐV-01", type_codes=["TAXIMETER"], valid_to=D)
    VerifierFactory(
        organisation=provider, card_number="KĐV-02", type_codes=["TAXIMETER"], confirmation="pending"
    )
    assert find_verifier(provider, "TAXIMETER", D) == card
    assert find_verifier(provider, "TAXIMETER", D, card_number="KĐV-01") == card
    assert find_verifier(provider, "TAXIMETER", D, card_number="KĐV-02") is None
    assert find_verifier(provider, "TAXIMETER", D + timedelta(days=1)) is None
    assert find_verifier(provider, "FUEL_DISPENSER", D) is None


def test_find_accreditation_covering_a_quantity():
    provider = OrganisationFactory(provider=True)
    accreditation = AccreditationFactory(organisation=provider, scope=[{"quantity": "Khối lượng"}])
    AccreditationFactory(organisation=provider, scope=[{"quantity": "áp suất"}], suspension="suspended")
    assert find_accreditation(provider, "khoi luong", D) == accreditation
    assert find_accreditation(provider, "áp suất", D) is None
    assert find_accreditation(provider, "Khối lượng", D, scheme="ISO 9001") is None


# --- Entering --------------------------------------------------------------------------------------------

REGISTRATION = {
    "certificate_number": "ĐK-12/2024",
    "services": ["calibration", "verification"],
    "fields": "Khối lượng",
    "issued_on": date(2024, 1, 10),
}


def test_a_provider_manager_enters_its_own_registration_which_waits_for_confirmation():
    manager = user_with_role(Role.PROVIDER_MANAGER)
    registration = create_credential(manager, Registration, manager.organisation, REGISTRATION)
    assert registration.confirmation == "pending"
    assert (registration.confirmed_by_id, registration.confirmed_at) == (None, None)
    assert registration.services == ["verification", "calibration"]  # in a fixed order
    assert find_registration(manager.organisation, "calibration", D) is None


def test_the_department_enters_a_provider_s_credential_confirmed_at_once():
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    provider = OrganisationFactory(provider=True)
    registration = create_credential(officer, Registration, provider, REGISTRATION)
    assert registration.confirmation == "confirmed"
    assert registration.confirmed_by_id == officer.id
    assert registration.confirmed_at is not None
    assert find_registration(provider, "verification", D) == registration


def test_a_credential_is_for_the_actor_s_own_provider_or_one_named_by_a_code_it_may_see():
    manager = user_with_role(Role.PROVIDER_MANAGER)
    own = create_credential(manager, Registration, None, REGISTRATION)
    assert own.organisation == manager.organisation
    other = OrganisationFactory(provider=True)
    with pytest.raises(ServiceError) as caught:
        create_credential(manager, Registration, other.code, REGISTRATION)
    assert set(caught.value.fields) == {"organisation"}
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    named = create_credential(officer, Registration, f" {other.code.lower()} ", REGISTRATION)
    assert named.organisation == other
    with pytest.raises(ServiceError) as caught:
        create_credential(officer, Registration, "NO-SUCH-ORG", REGISTRATION)
    assert set(caught.value.fields) == {"organisation"}
    # The Department's own organisation is no provider: it names the one it enters a credential for.
    with pytest.raises(ServiceError) as caught:
        create_credential(officer, Registration, None, REGISTRATION)
    assert set(caught.value.fields) == {"organisation"}


def test_credentials_belong_to_providers_only():
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    enterprise = OrganisationFactory()
    with pytest.raises(ServiceError) as caught:
        create_credential(officer, Registration, enterprise, REGISTRATION)
    assert set(caught.value.fields) == {"organisation"}


@pytest.mark.parametrize("role", [Role.PROVIDER_TECHNICIAN, Role.ENTERPRISE_MANAGER, Role.ENTERPRISE_VIEWER])
def test_other_roles_of_the_provider_may_not_enter_credentials(role):
    provider = OrganisationFactory(provider=True, is_enterprise=True)
    user = user_with_role(role, organisation=provider)
    with pytest.raises(ForbiddenError):
        create_credential(user, Registration, provider, REGISTRATION)


def test_a_manager_may_not_enter_another_provider_s_credentials():
    manager = user_with_role(Role.PROVIDER_MANAGER)
    with pytest.raises(NotFoundError):
        create_credential(manager, Registration, OrganisationFactory(provider=True), REGISTRATION)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"certificate_number": ""}, "certificate_number"),
        ({"certificate_number": "   "}, "certificate_number"),
        ({"certificate_number": "x" * 81}, "certificate_number"),
        ({"certificate_number": 12}, "certificate_number"),
        ({"certificate_number": "ĐK\x00"}, "certificate_number"),
        ({"services": []}, "services"),
        ({"services": ["repair"]}, "services"),
        ({"services": "calibration"}, "services"),
        ({"services": [None]}, "services"),
        ({"issued_on": None}, "issued_on"),
        ({"issued_on": "15.01.2024"}, "issued_on"),
        ({"issued_on": "2024-02-30"}, "issued_on"),
        ({"fields": "x" * 2001}, "fields"),
        ({"revoked_on": date(2023, 1, 1)}, "revoked_on"),
    ],
)
def test_bad_registrations_are_refused_by_field(changes, field):
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    with pytest.raises(ServiceError) as caught:
        create_credential(
            officer, Registration, OrganisationFactory(provider=True), {**REGISTRATION, **changes}
        )
    assert set(caught.value.fields) == {field}
    assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_a_number_is_recorded_once_per_provider():
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    provider = OrganisationFactory(provider=True)
    create_credential(officer, Registration, provider, REGISTRATION)
    with pytest.raises(ServiceError) as caught:
        create_credential(officer, Registration, provider, REGISTRATION)
    assert set(caught.value.fields) == {"certificate_number"}
    create_credential(officer, Registration, OrganisationFactory(provider=True), REGISTRATION)


def test_text_is_stored_composed():
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    nfd = unicodedata.normalize("NFD", "ĐK-Đắk Hà")
    registration = create_credential(
        officer, Registration, OrganisationFactory(provider=True), {**REGISTRATION, "certificate_number": nfd}
    )
    assert registration.certificate_number == "ĐK-Đắk Hà"


ACCREDITATION = {
    "scheme": "ISO/IEC 17025",
    "body": "BoA",
    "number": "VILAS 216",
    "scope": [{"quantity": "mass", "range": "1 mg – 50 kg", "cmc": "0.1 mg"}, {"quantity": "pressure"}],
    "valid_from": date(2024, 1, 1),
    "valid_to": date(2027, 1, 1),
}


def test_an_accreditation_keeps_a_structured_scope_and_a_known_scheme():
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    accreditation = create_credential(
        officer, Accreditation, OrganisationFactory(provider=True), {**ACCREDITATION, "scheme": "iso 17025"}
    )
    assert accreditation.scheme == "ISO/IEC 17025"
    assert accreditation.scope == [
        {"quantity": "mass", "range": "1 mg – 50 kg", "cmc": "0.1 mg"},
        {"quantity": "pressure", "range": "", "cmc": ""},
    ]
    assert accreditation.suspension is None


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"scheme": "ISO 14001"}, "scheme"),
        ({"scheme": None}, "scheme"),
        ({"number": ""}, "number"),
        ({"valid_to": date(2023, 12, 31)}, "valid_to"),
        ({"valid_from": None}, "valid_from"),
        ({"scope": [{"range": "1–2 kg"}]}, "scope"),
        ({"scope": [{"quantity": "mass", "uncertainty": "1 g"}]}, "scope"),
        ({"scope": [{"quantity": 5}]}, "scope"),
        ({"scope": ["mass"]}, "scope"),
        ({"scope": "mass"}, "scope"),
        ({"scope": [{"quantity": "x" * 81}]}, "scope"),
        ({"scope": [{"quantity": "m"}] * 201}, "scope"),
        ({"suspension": "paused"}, "suspension"),
    ],
)
def test_bad_accreditations_are_refused_by_field(changes, field):
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    with pytest.raises(ServiceError) as caught:
        create_credential(
            officer, Accreditation, OrganisationFactory(provider=True), {**ACCREDITATION, **changes}
        )
    assert set(caught.value.fields) == {field}
    assert db.session.scalar(select(func.count(Accreditation.id))) == 0


def test_a_designation_names_catalogue_types_with_optional_ranges():
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    designation = create_credential(
        officer,
        Designation,
        OrganisationFactory(provider=True),
        {
            "decision_number": "12/QĐ-TĐC",
            "type_codes": ["taximeter", "FUEL_DISPENSER"],
            "scope": [{"type_code": "fuel_dispenser", "range": "≤ 200 L/min"}],
            "valid_from": date(2025, 1, 1),
            "valid_to": date(2027, 1, 1),
        },
    )
    assert designation.type_codes == ["TAXIMETER", "FUEL_DISPENSER"]
    assert designation.scope == [
        {"type_code": "TAXIMETER", "range": ""},
        {"type_code": "FUEL_DISPENSER", "range": "≤ 200 L/min"},
    ]
    # The scope alone may name the types, a range or not.
    designation = create_credential(
        officer,
        Designation,
        OrganisationFactory(provider=True),
        {
            "decision_number": "13/QĐ-TĐC",
            "scope": [{"type_code": "taximeter"}, {"type_code": "FUEL_DISPENSER", "range": "≤ 200 L/min"}],
            "valid_from": date(2025, 1, 1),
            "valid_to": date(2027, 1, 1),
        },
    )
    assert designation.type_codes == ["TAXIMETER", "FUEL_DISPENSER"]
    assert designation.scope[1] == {"type_code": "FUEL_DISPENSER", "range": "≤ 200 L/min"}


@pytest.mark.parametrize(
    ("types", "field"),
    [
        # No type at all.
        ({"scope": []}, "type_codes"),
        ({"scope": None}, "type_codes"),
        ({"type_codes": []}, "type_codes"),
        # A wrong type code is named where it was given; a scope entry counted in the scope.
        ({"type_codes": ["NO_SUCH_TYPE"]}, "type_codes"),
        ({"type_codes": ["TAXIMETER", "taximeter"]}, "type_codes"),
        ({"type_codes": [""]}, "type_codes"),
        ({"type_codes": "TAXIMETER"}, "type_codes"),
        ({"scope": [{"type_code": "NO_SUCH_TYPE"}]}, "scope"),
        ({"scope": [{"type_code": "TAXIMETER"}, {"type_code": "taximeter"}]}, "scope"),
        ({"scope": [{"type_code": ""}]}, "scope"),
        ({"scope": [{"type_code": "a\x00b"}]}, "scope"),
        ({"scope": [{"type_code": "TAXIMETER", "cmc": "1"}]}, "scope"),
        ({"type_codes": ["TAXIMETER"], "scope": [{"type_code": "TAXIMETER", "cmc": "1"}]}, "scope"),
        # Two ranges for one type: which one holds? Refused, not one of them silently dropped.
        (
            {
                "type_codes": ["FUEL_DISPENSER"],
                "scope": [
                    {"type_code": "FUEL_DISPENSER", "range": "≤ 200 L/min"},
                    {"type_code": "fuel_dispenser", "range": "≤ 300 L/min"},
                ],
            },
            "scope",
        ),
    ],
)
def test_bad_designations_are_refused(types, field):
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    values = {"decision_number": "1/QĐ", "valid_from": date(2025, 1, 1), "valid_to": date(2026, 1, 1)}
    with pytest.raises(ServiceError) as caught:
        create_credential(officer, Designation, OrganisationFactory(provider=True), {**values, **types})
    assert set(caught.value.fields) == {field}
    assert db.session.scalar(select(func.count(Designation.id))) == 0


def test_a_designation_is_for_group_2_types_only():
    # A type that was never on the Group 2 list: it has no legal rule at all.
    db.session.add(
        InstrumentType(code="NOT_LISTED", name_vi="Không có", name_en="Not listed", quantity="mass")
    )
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    with pytest.raises(ServiceError) as caught:
        create_credential(
            officer,
            Designation,
            OrganisationFactory(provider=True),
            {
                "decision_number": "1/QĐ",
                "type_codes": ["NOT_LISTED"],
                "valid_from": date(2025, 1, 1),
                "valid_to": date(2026, 1, 1),
            },
        )
    assert set(caught.value.fields) == {"type_codes"}


def test_a_verifier_card_lists_catalogue_types():
    manager = user_with_role(Role.PROVIDER_MANAGER)
    verifier = create_credential(
        manager,
        Verifier,
        manager.organisation,
        {
            "name": "Nguyễn Văn Kiểm",
            "card_number": "KĐV-77",
            "type_codes": ["taximeter", "TAXIMETER", "FUEL_DISPENSER"],
            "valid_from": date(2022, 1, 1),
            "valid_to": date(2027, 1, 1),
        },
    )
    assert verifier.type_codes == ["TAXIMETER", "FUEL_DISPENSER"]
    assert verifier.valid_from == date(2022, 1, 1)
    with pytest.raises(ServiceError) as caught:
        create_credential(
            manager,
            Verifier,
            manager.organisation,
            {"name": "", "card_number": "", "type_codes": ["NOPE"], "valid_from": None, "valid_to": None},
        )
    assert set(caught.value.fields) == {"name", "card_number", "type_codes", "valid_from", "valid_to"}
    assert db.session.scalar(select(func.count(Verifier.id))) == 1


# --- Amending, revoking, confirming ----------------------------------------------------------------------


def test_a_provider_s_amendment_goes_back_to_the_department():
    manager = user_with_role(Role.PROVIDER_MANAGER)
    registration = RegistrationFactory(organisation=manager.organisation)
    amend_credential(manager, registration, {"services": ["testing"]}, reason="Bổ sung dịch vụ", version=1)
    assert registration.services == ["testing"]
    assert registration.confirmation == "pending"
    assert registration.confirmed_by_id is None
    assert registration.version == 2
    assert history("registrations", registration.id)[-1].reason == "Bổ sung dịch vụ"


def test_the_department_amends_revokes_and_suspends():
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    registration = RegistrationFactory()
    amend_credential(officer, registration, {"revoked_on": D}, reason="Thu hồi theo QĐ 5")
    assert registration.confirmation == "confirmed"
    assert credential_state(registration, D) == "revoked"
    accreditation = AccreditationFactory()
    amend_credential(officer, accreditation, {"suspension": "suspended"}, reason="BoA đình chỉ")
    assert credential_state(accreditation, D) == "suspended"
    amend_credential(officer, accreditation, {"suspension": None}, reason="BoA khôi phục")
    assert credential_state(accreditation, D) == "valid"


def test_only_the_department_revokes_or_suspends():
    manager = user_with_role(Role.PROVIDER_MANAGER)
    registration = RegistrationFactory(organisation=manager.organisation)
    with pytest.raises(ForbiddenError):
        amend_credential(manager, registration, {"revoked_on": D}, reason="Tự thu hồi")
    accreditation = AccreditationFactory(organisation=manager.organisation, suspension="suspended")
    with pytest.raises(ForbiddenError):
        amend_credential(manager, accreditation, {"suspension": None}, reason="Tự khôi phục")
    # Sending the value as it is, with another change, is no revocation.
    amend_credential(
        manager, accreditation, {"suspension": "suspended", "number": "VILAS 1"}, reason="Sửa số"
    )
    assert accreditation.number == "VILAS 1"


def test_an_amendment_needs_a_reason_a_current_version_and_a_change():
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    verifier = VerifierFactory()
    with pytest.raises(ServiceError) as caught:
        amend_credential(officer, verifier, {"name": "Tên khác"}, reason="  ")
    assert set(caught.value.fields) == {"reason"}
    with pytest.raises(ConflictError):
        amend_credential(officer, verifier, {"name": "Tên khác"}, reason="Sửa", version=7)
    with pytest.raises(ServiceError) as caught:
        amend_credential(officer, verifier, {"name": verifier.name}, reason="Sửa")
    assert set(caught.value.fields) == {"_"}
    with pytest.raises(ServiceError) as caught:
        amend_credential(officer, verifier, {"colour": "red"}, reason="Sửa")
    assert set(caught.value.fields) == {"colour"}
    with pytest.raises(ServiceError) as caught:
        amend_credential(officer, verifier, {"valid_to": "hôm qua"}, reason="Sửa")
    assert set(caught.value.fields) == {"valid_to"}
    assert verifier.version == 1


def test_an_amendment_keeps_numbers_unique():
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    first = DesignationFactory(decision_number="1/QĐ")
    second = DesignationFactory(organisation=first.organisation, decision_number="2/QĐ")
    with pytest.raises(ServiceError) as caught:
        amend_credential(officer, second, {"decision_number": "1/QĐ"}, reason="Sửa số")
    assert set(caught.value.fields) == {"decision_number"}
    amend_credential(officer, first, {"valid_to": date(2031, 1, 1)}, reason="Sửa ngày")


def test_others_may_not_amend():
    technician = user_with_role(Role.PROVIDER_TECHNICIAN)
    with pytest.raises(ForbiddenError):
        amend_credential(
            technician, RegistrationFactory(organisation=technician.organisation), {"fields": "y"}, reason="x"
        )
    manager = user_with_role(Role.PROVIDER_MANAGER)
    with pytest.raises(NotFoundError):
        amend_credential(manager, RegistrationFactory(), {"fields": "y"}, reason="x")


def test_the_department_confirms_and_rejects_with_a_reason():
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    registration = RegistrationFactory(confirmation="pending")
    review_credential(officer, registration, decision="confirm")
    assert registration.confirmation == "confirmed"
    assert registration.confirmed_by_id == officer.id
    assert registration.confirmed_at is not None
    with pytest.raises(ServiceError) as caught:
        review_credential(officer, registration, decision="confirm")
    assert set(caught.value.fields) == {"decision"}
    with pytest.raises(ServiceError) as caught:
        review_credential(officer, registration, decision="reject", reason=" ")
    assert set(caught.value.fields) == {"reason"}
    review_credential(officer, registration, decision="reject", reason="Bản sao không khớp")
    assert registration.confirmation == "rejected"
    assert history("registrations", registration.id)[-1].reason == "Bản sao không khớp"
    with pytest.raises(ServiceError) as caught:
        review_credential(officer, registration, decision="approve")
    assert set(caught.value.fields) == {"decision"}


@pytest.mark.parametrize("role", [Role.PROVIDER_MANAGER, Role.PROVIDER_TECHNICIAN, Role.ENTERPRISE_MANAGER])
def test_only_the_department_confirms(role):
    user = user_with_role(role)
    designation = DesignationFactory(organisation=user.organisation, confirmation="pending")
    with pytest.raises(ForbiddenError):
        review_credential(user, designation, decision="confirm")
    assert designation.confirmation == "pending"
    assert db.session.get(Designation, designation.id).confirmation == "pending"
