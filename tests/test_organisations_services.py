"""Organisation rules: tax codes, capital shares, administrative units, sectors, the derived ownership class,
search, and who may change what."""

from __future__ import annotations

import math
import unicodedata
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from registry.auth.models import Role
from registry.core.errors import ForbiddenError, NotFoundError, ServiceError
from registry.extensions import db
from registry.organisations import services
from registry.organisations.models import Organisation
from registry.organisations.parsing import clean_percent, clean_sectors, clean_tax_code
from tests.factories import OrganisationFactory, user_with_role
from tests.helpers import SYSTEM


def _count() -> int:
    return db.session.scalar(select(func.count(Organisation.id))) or 0


# --- Tax codes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, stored",
    [
        ("0100109106", "0100109106"),
        (" 0100109106 ", "0100109106"),
        ("0100 109 106", "0100109106"),
        ("0100109106-001", "0100109106-001"),
        ("0100109106001", "0100109106-001"),
        ("0100109106 - 001", "0100109106-001"),
        ("079012345678", "079012345678"),  # a household business: the owner's 12-digit personal ID
        ("0790 1234 5678", "079012345678"),
        ("０１００１０９１０６", "0100109106"),  # full-width digits, as some input methods type them
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_tax_codes_are_checked_and_stored_formatted(given, stored):
    assert clean_tax_code(given) == stored


@pytest.mark.parametrize(
    "given, words",
    [
        ("0100109107", "check digit"),
        ("0100109106-000", "001 to 999"),
        ("010010910", "10 digits"),
        ("01001091060", "10 digits"),
        ("0100109106-01", "10 digits"),
        ("07901234567890", "10 digits"),
        ("01001O9106", "digits only"),
        ("0100109106/001", "digits only"),
    ],
)
def test_bad_tax_codes_are_refused_with_the_reason(given, words):
    with pytest.raises(ServiceError) as caught:
        clean_tax_code(given)
    with force_locale("en"):
        assert words in str(caught.value.fields["tax_code"])
    assert set(caught.value.fields) == {"tax_code"}


@pytest.mark.parametrize("given", [100109106, 1.5, ["0100109106"], True])
def test_a_tax_code_must_be_text(given):
    with pytest.raises(ServiceError) as caught:
        clean_tax_code(given)
    assert set(caught.value.fields) == {"tax_code"}


def test_two_organisations_cannot_share_a_tax_code():
    OrganisationFactory(code="FIRST", tax_code="0100109106")
    with pytest.raises(ServiceError) as caught:
        services.create_organisation(
            SYSTEM, code="SECOND", name="Khác", kinds=["enterprise"], tax_code="0100109106"
        )
    assert set(caught.value.fields) == {"tax_code"}
    # A branch has its own code.
    branch = services.create_organisation(
        SYSTEM, code="BRANCH", name="Chi nhánh", kinds=["enterprise"], tax_code="0100109106-002"
    )
    assert branch.tax_code == "0100109106-002"
    # Saving an organisation with its own tax code is no clash.
    first = db.session.scalar(select(Organisation).where(Organisation.code == "FIRST"))
    services.update_organisation(
        SYSTEM, first, {"tax_code": "0100109106", "name": "Tên mới"}, reason="Giữ nguyên"
    )
    assert first.tax_code == "0100109106"


# --- Capital ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, stored",
    [
        (0, Decimal("0.00")),
        (51, Decimal("51.00")),
        (Decimal("33.33"), Decimal("33.33")),
        (12.5, Decimal("12.50")),
        ("12,5", Decimal("12.50")),
        (" 49.9 ", Decimal("49.90")),
        ("100", Decimal("100.00")),
        ("-0", Decimal("0.00")),
        (None, Decimal("0.00")),
        ("", Decimal("0.00")),
    ],
)
def test_capital_shares_are_decimals_from_0_to_100(given, stored):
    value = clean_percent(given, field="state_capital_pct")
    assert value == stored
    assert str(value) == str(stored)


@pytest.mark.parametrize(
    "given",
    [
        -1,
        -0.01,
        100.01,
        101,
        math.nan,
        math.inf,
        -math.inf,
        "NaN",
        "Infinity",
        "abc",
        "1,2,3",
        True,
        False,
        [1],
        {"v": 1},
        Decimal("NaN"),
        Decimal("sNaN"),
    ],
)
def test_wrong_capital_shares_are_refused(given):
    with pytest.raises(ServiceError) as caught:
        clean_percent(given, field="foreign_capital_pct")
    assert set(caught.value.fields) == {"foreign_capital_pct"}


def test_capital_shares_have_at_most_two_decimals():
    with pytest.raises(ServiceError):
        clean_percent("12.345", field="state_capital_pct")
    assert clean_percent("12.340", field="state_capital_pct") == Decimal("12.34")


def test_state_and_foreign_capital_together_stay_within_100():
    before = _count()
    with pytest.raises(ServiceError) as caught:
        services.create_organisation(
            SYSTEM,
            code="OVER",
            name="Vượt",
            kinds=["enterprise"],
            state_capital_pct=60,
            foreign_capital_pct="40.01",
        )
    assert set(caught.value.fields) == {"foreign_capital_pct"}
    assert _count() == before
    organisation = services.create_organisation(
        SYSTEM,
        code="JV",
        name="Liên doanh",
        kinds=["enterprise"],
        state_capital_pct=60,
        foreign_capital_pct=40,
    )
    # A change of one share is checked against the other as stored.
    with pytest.raises(ServiceError) as caught:
        services.update_organisation(SYSTEM, organisation, {"state_capital_pct": 61}, reason="Tăng vốn")
    assert set(caught.value.fields) == {"foreign_capital_pct"}


@pytest.mark.parametrize(
    "values, expected",
    [
        ({}, "private"),
        ({"foreign_capital_pct": 1}, "fdi"),
        ({"state_capital_pct": "0.01", "foreign_capital_pct": 99}, "state_capital"),
        ({"public_unit": True, "state_capital_pct": 100}, "public_unit"),
    ],
)
def test_the_ownership_class_is_derived_in_python_and_in_sql(values, expected):
    organisation = services.create_organisation(
        SYSTEM, code="OWN-CLASS", name="Tên", kinds=["enterprise"], **values
    )
    assert organisation.ownership_class == expected
    assert "ownership_class" not in Organisation.__table__.c  # derived, never stored
    found = db.session.scalar(
        select(Organisation.code).where(
            Organisation.ownership_class == expected, Organisation.code == "OWN-CLASS"
        )
    )
    assert found == "OWN-CLASS"


def test_public_unit_must_be_a_yes_or_no():
    with pytest.raises(ServiceError) as caught:
        services.create_organisation(SYSTEM, code="PUB", name="Tên", kinds=["enterprise"], public_unit="yes")
    assert set(caught.value.fields) == {"public_unit"}


# --- Administrative units, sectors, address -------------------------------------------------------------


def test_the_administrative_unit_is_given_by_its_code():
    organisation = services.create_organisation(
        SYSTEM, code="DH", name="Tên", kinds=["enterprise"], admin_unit="615"
    )
    assert (organisation.admin_unit.code, organisation.admin_unit.name) == ("615", "Huyện Đắk Hà")
    services.update_organisation(SYSTEM, organisation, {"admin_unit": None}, reason="Chuyển")
    assert organisation.admin_unit is None


@pytest.mark.parametrize("code", ["999", "6150", "a\x00b", "x" * 300, 615, ["615"]])
def test_unknown_administrative_units_are_refused(code):
    with pytest.raises(ServiceError) as caught:
        services.create_organisation(SYSTEM, code="AU", name="Tên", kinds=["enterprise"], admin_unit=code)
    assert set(caught.value.fields) == {"admin_unit"}


def test_sectors_are_short_distinct_texts():
    assert clean_sectors("xăng dầu, cấp nước;\nXĂNG DẦU, , y tế") == ["xăng dầu", "cấp nước", "y tế"]
    assert clean_sectors(["Đo lường", "do luong", "  "]) == ["Đo lường"]
    assert clean_sectors(None) == []
    nfd = unicodedata.normalize("NFD", "Bệnh viện")
    assert clean_sectors([nfd]) == ["Bệnh viện"]
    for bad in (["x" * 81], [str(n) for n in range(21)], [1], "x" * 81, 5, ["a\x07"]):
        with pytest.raises(ServiceError) as caught:
            clean_sectors(bad)
        assert set(caught.value.fields) == {"sectors"}


def test_every_wrong_field_is_named_at_once_and_nothing_is_stored():
    before = _count()
    with pytest.raises(ServiceError) as caught:
        services.create_organisation(
            SYSTEM,
            code="A B",
            name="",
            kinds=["bank"],
            tax_code="123",
            address="x" * 501,
            admin_unit="000",
            state_capital_pct=-5,
            foreign_capital_pct="abc",
            public_unit=None,
            sectors=[3],
        )
    assert set(caught.value.fields) == {
        "code",
        "name",
        "kinds",
        "tax_code",
        "address",
        "admin_unit",
        "state_capital_pct",
        "foreign_capital_pct",
        "public_unit",
        "sectors",
    }
    assert _count() == before


def test_vietnamese_text_is_stored_composed():
    nfd = unicodedata.normalize("NFD", "Thôn 3, xã Đắk Mar")
    organisation = services.create_organisation(
        SYSTEM, code="NFC", name="Tên", kinds=["enterprise"], address=nfd
    )
    assert organisation.address == unicodedata.normalize("NFC", nfd)


def test_a_change_touches_only_the_given_fields():
    organisation = services.create_organisation(
        SYSTEM,
        code="KEEP",
        name="Tên",
        kinds=["enterprise"],
        tax_code="0100109106",
        admin_unit="608",
        sectors=["a"],
    )
    # A field left out of the changes stays as it is.
    services.update_organisation(SYSTEM, organisation, {"address": "Số 1"}, reason="Địa chỉ mới")
    assert (organisation.tax_code, organisation.admin_unit.code, organisation.sectors) == (
        "0100109106",
        "608",
        ["a"],
    )
    services.update_organisation(SYSTEM, organisation, {"tax_code": ""}, reason="Bỏ mã số thuế")
    assert organisation.tax_code is None


# --- Search ----------------------------------------------------------------------------------------------


def test_search_ignores_case_and_diacritics_and_matches_tax_codes():
    admin = user_with_role(Role.DEPARTMENT_ADMIN)
    services.create_organisation(SYSTEM, code="XD-DH", name="Cửa hàng Xăng dầu Đắk Hà", kinds=["enterprise"])
    services.create_organisation(
        SYSTEM, code="CN", name="Cấp nước", kinds=["enterprise"], tax_code="6100123454"
    )

    def found(q):
        stmt = services.search_organisations(admin, q=q).with_only_columns(Organisation.code)
        return set(db.session.scalars(stmt))

    assert found("dak ha") == {"XD-DH"}
    assert found(unicodedata.normalize("NFD", "ĐẮK HÀ")) == {"XD-DH"}
    assert found("xd-dh") == {"XD-DH"}
    assert found("6100") == {"CN"}
    assert found("100%") == set()  # LIKE wildcards are plain text


def test_renaming_keeps_the_search_text_up_to_date():
    organisation = services.create_organisation(SYSTEM, code="REN", name="Tên cũ", kinds=["enterprise"])
    services.update_organisation(SYSTEM, organisation, {"name": "Công ty Đồng Nai"}, reason="Đổi tên")
    assert organisation.search_text == "ren cong ty dong nai"


def test_filters_by_kind_and_administrative_unit_and_sorts():
    admin = user_with_role(Role.DEPARTMENT_OFFICER)
    services.create_organisation(SYSTEM, code="B-LAB", name="Alpha", kinds=["provider"], admin_unit="615")
    services.create_organisation(SYSTEM, code="A-ENT", name="Beta", kinds=["enterprise"], admin_unit="615")
    services.create_organisation(SYSTEM, code="C-ENT", name="Gamma", kinds=["enterprise"], admin_unit="608")

    def codes(**filters):
        return list(db.session.scalars(services.search_organisations(admin, **filters)).all())

    assert [o.code for o in codes(kind="provider")] == ["B-LAB"]
    assert [o.code for o in codes(admin_unit="615", sort="code")] == ["A-ENT", "B-LAB"]
    assert [o.code for o in codes(admin_unit="615", sort="name")] == ["B-LAB", "A-ENT"]
    # The province holds its districts.
    assert {o.code for o in codes(admin_unit="62")} == {"A-ENT", "B-LAB", "C-ENT"}
    assert [o.code for o in codes(admin_unit="615", sort="newest")] == ["A-ENT", "B-LAB"]
    for bad in ({"kind": "bank"}, {"sort": "size"}, {"admin_unit": "999"}):
        with pytest.raises(ServiceError) as caught:
            codes(**bad)
        assert set(caught.value.fields) == set(bad)


def test_others_find_only_their_own_organisation():
    manager = user_with_role(Role.ENTERPRISE_MANAGER)
    OrganisationFactory(name=manager.organisation.name + " khác")
    found = db.session.scalars(services.search_organisations(manager, q=manager.organisation.name)).all()
    assert found == [manager.organisation]


# --- Who may change what ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.PROVIDER_MANAGER, Role.ENTERPRISE_MANAGER])
def test_a_manager_changes_its_own_contact_details_only(role):
    manager = user_with_role(role)
    own = manager.organisation
    services.update_organisation(
        manager, own, {"address": "Số 2", "admin_unit": "610", "sectors": "điện"}, reason="Chuyển trụ sở"
    )
    assert (own.address, own.admin_unit.code, own.sectors) == ("Số 2", "610", ["điện"])
    for field, value in (
        ("name", "Tên khác"),
        ("public_unit", True),
        ("state_capital_pct", 10),
        ("kinds", ["department"]),
        ("tax_code", "0100109106"),
    ):
        with pytest.raises(ForbiddenError):
            services.update_organisation(manager, own, {field: value}, reason="Thử")
    # Another organisation is not found, never forbidden (its existence is not told).
    other = OrganisationFactory()
    with pytest.raises(NotFoundError):
        services.update_organisation(manager, other, {"address": "Số 3"}, reason="Sửa hộ")


@pytest.mark.parametrize("role", [Role.PROVIDER_TECHNICIAN, Role.ENTERPRISE_VIEWER])
def test_other_roles_change_nothing(role):
    user = user_with_role(role)
    with pytest.raises(ForbiddenError):
        services.update_organisation(user, user.organisation, {"address": "Số 4"}, reason="Thử")


def test_the_department_changes_anything():
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    organisation = OrganisationFactory()
    services.update_organisation(
        officer, organisation, {"public_unit": True, "foreign_capital_pct": 5}, reason="Theo giấy phép"
    )
    assert organisation.ownership_class == "public_unit"


@pytest.mark.parametrize(
    "role", [Role.ENTERPRISE_MANAGER, Role.ENTERPRISE_VIEWER, Role.PROVIDER_MANAGER, Role.PROVIDER_TECHNICIAN]
)
def test_only_the_department_registers_organisations(role):
    user = user_with_role(role)
    before = _count()
    with pytest.raises(ForbiddenError):
        services.create_organisation(user, code="NEW-ORG", name="Tên", kinds=["enterprise"])
    assert _count() == before
    officer = user_with_role(Role.DEPARTMENT_OFFICER)
    assert services.create_organisation(officer, code="NEW-ORG", name="Tên", kinds=["enterprise"]).id
