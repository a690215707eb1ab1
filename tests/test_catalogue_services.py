"""Catalogue services: the Department's edits of types and legal rules, and the rule in force on a day."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from sqlalchemy import func, select

from registry.audit.services import history
from registry.auth.models import Role
from registry.catalogue import services
from registry.catalogue.models import InstrumentType, LegalRule
from registry.core.errors import ConflictError, ForbiddenError, NotFoundError, ServiceError
from registry.extensions import db
from tests.factories import user_with_role
from tests.helpers import SYSTEM, audit_count


def type_(code: str) -> InstrumentType:
    return services.find_instrument_type(code)


def rule_from(code: str, start: str) -> LegalRule:
    return next(rule for rule in type_(code).rules if rule.effective_from == date.fromisoformat(start))


def rule_values(rule: LegalRule, **changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "controls": rule.controls,
        "cycle_months": rule.cycle_months,
        "legal_basis": rule.legal_basis,
        "effective_from": rule.effective_from,
        "effective_to": rule.effective_to,
        "confidence": rule.confidence,
        "note": rule.note,
        "reason": "Đối chiếu văn bản",
    }
    return {**values, **changes}


# --- what the migration loaded, and the rule in force -------------------------------------------------


def test_the_migration_loaded_the_group2_list_and_the_units():
    assert db.session.scalar(select(func.count(InstrumentType.id))) == 89
    assert db.session.scalar(select(func.count(LegalRule.id))) == 95
    assert len(services.admin_units()) == 11


@pytest.mark.parametrize(
    "day, cycle, basis",
    [
        ("2013-11-14", None, None),  # before Circular 23/2013 took effect
        ("2013-11-15", 12, "TT 23/2013"),
        ("2019-12-31", 12, "TT 23/2013"),
        ("2020-01-01", 18, "TT 23/2013 amended by TT 07/2019"),
        ("2024-06-01", 18, "TT 23/2013 amended by TT 07/2019"),
    ],
)
def test_the_taximeter_rule_changes_on_2020_01_01(day, cycle, basis):
    rule = type_("TAXIMETER").rule_on(date.fromisoformat(day))
    if basis is None:
        assert rule is None
    else:
        assert rule is not None
        assert (rule.cycle_months, rule.legal_basis) == (cycle, basis)
        assert rule.control_set == {"PA", "IV", "PV", "RV"}


@pytest.mark.parametrize(
    "day, in_list",
    [("2019-12-31", True), ("2020-01-01", True), ("2024-10-14", True), ("2024-10-15", False)],
)
def test_the_single_phase_induction_meter_leaves_the_list_on_2024_10_15(day, in_list):
    rule = services.find_instrument_type("ENERGY_METER_1P_IND").rule_on(date.fromisoformat(day))
    assert (rule is not None) is in_list
    if rule is not None:
        assert rule.cycle_months == 60


def test_needs_verification_follows_the_rules():
    assert type_("TAXIMETER").needs_verification  # its 2013 rule comes from a secondary source
    assert not type_("TAPE_MEASURE").needs_verification
    assert type_("EV_CHARGER_DC_CAR").needs_verification


# --- editing a type -----------------------------------------------------------------------------------


def test_a_type_edit_is_stored_in_nfc_versioned_and_audited_with_its_reason():
    taximeter = type_("TAXIMETER")
    name = unicodedata.normalize("NFD", "Taximet điện tử")
    services.update_instrument_type(
        SYSTEM, taximeter, reason="Tên theo văn bản hợp nhất", version=1, name_vi=name
    )
    assert taximeter.name_vi == unicodedata.normalize("NFC", name)
    assert taximeter.version == 2
    (event,) = history("instrument_types", taximeter.id)
    assert event.reason == "Tên theo văn bản hợp nhất"
    assert event.new_values == {"name_vi": "Taximet điện tử", "version": 2}
    # Not a file value any more: `catalogue sync` will keep it.
    assert taximeter.source["name_vi"] == "Taximet"


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"name_vi": ""}, "name_vi"),
        ({"name_vi": "   "}, "name_vi"),
        ({"name_en": "x" * 256}, "name_en"),
        ({"quantity": ""}, "quantity"),
        ({"quantity": "khối\x00lượng"}, "quantity"),
        ({"reason": ""}, "reason"),
    ],
)
def test_a_bad_type_edit_names_the_field_and_changes_nothing(changes, field):
    taximeter = type_("TAXIMETER")
    before = audit_count()
    arguments = {"reason": "Sửa", **changes}
    with pytest.raises(ServiceError) as caught:
        services.update_instrument_type(SYSTEM, taximeter, **arguments)
    assert field in caught.value.fields
    db.session.expire_all()
    assert type_("TAXIMETER").name_vi == "Taximet" and type_("TAXIMETER").version == 1
    assert audit_count() == before


def test_a_stale_type_edit_is_a_conflict():
    with pytest.raises(ConflictError) as caught:
        services.update_instrument_type(SYSTEM, type_("TAXIMETER"), reason="Sửa", version=7, name_en="X")
    assert set(caught.value.fields) == {"version"}


@pytest.mark.parametrize(
    "role",
    [Role.DEPARTMENT_OFFICER, Role.ENTERPRISE_MANAGER, Role.PROVIDER_MANAGER, Role.PROVIDER_TECHNICIAN],
)
def test_only_the_department_s_admin_edits_the_catalogue(role):
    user = user_with_role(role)
    taximeter = type_("TAXIMETER")
    rule = rule_from("TAXIMETER", "2020-01-01")
    name_en, before = taximeter.name_en, audit_count()
    with pytest.raises(ForbiddenError):
        services.update_instrument_type(user, taximeter, reason="Sửa", name_en="X")
    with pytest.raises(ForbiddenError):
        services.update_legal_rule(user, rule, **rule_values(rule, cycle_months=24))
    with pytest.raises(ForbiddenError):
        services.add_rule_period(
            user,
            type_("ENERGY_METER_1P_IND"),
            reason="Thử",
            controls="IV",
            legal_basis="TT x",
            effective_from=date(2030, 1, 1),
        )
    db.session.expire_all()
    assert (type_("TAXIMETER").name_en, type_("TAXIMETER").version) == (name_en, 1)
    assert rule_from("TAXIMETER", "2020-01-01").cycle_months == 18
    assert audit_count() == before
    admin = user_with_role(Role.DEPARTMENT_ADMIN)
    services.update_instrument_type(admin, type_("TAXIMETER"), reason="Sửa", name_en="X")
    assert type_("TAXIMETER").name_en == "X"


# --- editing a rule -----------------------------------------------------------------------------------


def test_a_rule_edit_changes_the_values_and_is_audited():
    rule = rule_from("TAXIMETER", "2013-11-15")
    services.update_legal_rule(
        SYSTEM,
        rule,
        **rule_values(rule, controls=["RV", "PV", "iv"], confidence="source", note="Đã đối chiếu TT 23/2013"),
        version=1,
    )
    assert rule.controls == "IV+PV+RV"
    assert rule.confidence == "source"
    assert rule.version == 2
    assert not type_("TAXIMETER").needs_verification
    (event,) = history("legal_rules", rule.id)
    assert event.old_values["controls"] == "PA+IV+PV+RV"
    assert event.reason == "Đối chiếu văn bản"


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"controls": ["PA", "XX"]}, "controls"),
        ({"controls": "IV+ZZ"}, "controls"),
        ({"cycle_months": 0}, "cycle_months"),
        ({"cycle_months": -12}, "cycle_months"),
        ({"cycle_months": 241}, "cycle_months"),
        ({"cycle_months": "twelve"}, "cycle_months"),
        ({"cycle_months": "12.0"}, "cycle_months"),
        ({"cycle_months": True}, "cycle_months"),
        ({"cycle_months": None}, "cycle_months"),  # PV needs a cycle
        ({"controls": ["IV", "RV"]}, "cycle_months"),  # a cycle without PV
        ({"legal_basis": ""}, "legal_basis"),
        ({"legal_basis": "x" * 121}, "legal_basis"),
        ({"effective_from": None}, "effective_from"),
        ({"effective_from": "01.01.2020"}, "effective_from"),
        ({"effective_to": date(2019, 12, 31)}, "effective_to"),  # before its start
        ({"effective_to": date(2023, 1, 1)}, "effective_to"),  # fine alone, but…
        ({"confidence": "maybe"}, "confidence"),
        ({"note": "x" * 2001}, "note"),
        ({"reason": " "}, "reason"),
    ],
)
def test_a_bad_rule_edit_names_the_field_and_changes_nothing(changes, field):
    rule = rule_from("TAXIMETER", "2020-01-01")
    before = audit_count()
    if changes == {"effective_to": date(2023, 1, 1)}:
        # …moving the start back into the 2013 period overlaps it.
        changes = {**changes, "effective_from": date(2019, 1, 1)}
        field = "effective_from"
    with pytest.raises(ServiceError) as caught:
        services.update_legal_rule(SYSTEM, rule, **rule_values(rule, **changes))
    assert field in caught.value.fields, caught.value.fields
    db.session.expire_all()
    rule = rule_from("TAXIMETER", "2020-01-01")
    assert (rule.cycle_months, rule.version) == (18, 1)
    assert audit_count() == before


def test_every_field_error_is_given_at_once():
    rule = rule_from("TAXIMETER", "2020-01-01")
    with pytest.raises(ServiceError) as caught:
        services.update_legal_rule(
            SYSTEM, rule, **rule_values(rule, cycle_months=0, legal_basis="", confidence="?", reason="")
        )
    assert set(caught.value.fields) == {"cycle_months", "legal_basis", "confidence", "reason"}


def test_the_overlap_message_names_the_other_period():
    rule = rule_from("TAXIMETER", "2013-11-15")
    with pytest.raises(ServiceError) as caught:
        services.update_legal_rule(SYSTEM, rule, **rule_values(rule, effective_to=date(2020, 6, 30)))
    assert set(caught.value.fields) == {"effective_to"}
    assert "01/01/2020" in str(caught.value.fields["effective_to"])


def test_a_rule_without_periodic_verification_has_no_cycle():
    rule = rule_from("TAPE_MEASURE", "2013-11-15")
    services.update_legal_rule(SYSTEM, rule, **rule_values(rule, controls=["IV", "RV"]))
    assert rule.controls == "IV+RV" and rule.cycle_months is None


def test_controls_not_yet_confirmed_may_come_with_a_cycle():
    rule = rule_from("EV_CHARGER_AC_CAR", "2024-10-15")
    services.update_legal_rule(SYSTEM, rule, **rule_values(rule, cycle_months=24))
    assert (rule.controls, rule.cycle_months) == ("", 24)


def test_a_stale_rule_edit_is_a_conflict():
    rule = rule_from("TAXIMETER", "2020-01-01")
    with pytest.raises(ConflictError):
        services.update_legal_rule(SYSTEM, rule, **rule_values(rule, cycle_months=24), version=2)


# --- adding a rule period -----------------------------------------------------------------------------


def test_a_new_period_after_ending_the_current_one():
    taximeter = type_("TAXIMETER")
    current = rule_from("TAXIMETER", "2020-01-01")
    services.update_legal_rule(SYSTEM, current, **rule_values(current, effective_to=date(2026, 12, 31)))
    rule = services.add_rule_period(
        SYSTEM,
        taximeter,
        reason="Thông tư mới",
        version=taximeter.version,
        controls=["PA", "IV", "PV", "RV"],
        cycle_months=24,
        legal_basis="TT 01/2027",
        effective_from=date(2027, 1, 1),
        confidence="verify",
        note="dự thảo",
    )
    assert rule.source is None and rule.instrument_type is taximeter
    assert taximeter.rule_on(date(2026, 12, 31)).cycle_months == 18
    assert taximeter.rule_on(date(2027, 1, 1)) is rule
    (event,) = history("legal_rules", rule.id)
    assert event.action == "create" and event.reason == "Thông tư mới"


@pytest.mark.parametrize(
    "start, end, field",
    [
        (date(2030, 1, 1), None, "effective_from"),  # inside the open 2020 period
        (date(2013, 1, 1), date(2013, 12, 31), "effective_to"),  # runs into the 2013 period
        (date(2010, 1, 1), None, "effective_to"),  # covers everything
    ],
)
def test_periods_of_one_type_must_not_overlap(start, end, field):
    taximeter = type_("TAXIMETER")
    with pytest.raises(ServiceError) as caught:
        services.add_rule_period(
            SYSTEM,
            taximeter,
            reason="Thử",
            controls="IV",
            cycle_months=None,
            legal_basis="TT x",
            effective_from=start,
            effective_to=end,
        )
    assert set(caught.value.fields) == {field}
    assert len(type_("TAXIMETER").rules) == 2


def test_a_new_period_for_a_type_that_left_the_list():
    meter = type_("ENERGY_METER_1P_IND")
    services.add_rule_period(
        SYSTEM,
        meter,
        reason="Đưa lại vào danh mục",
        controls="PA+IV+PV+RV",
        cycle_months=60,
        legal_basis="TT 99/2030",
        effective_from=date(2030, 1, 1),
    )
    assert meter.rule_on(date(2027, 1, 1)) is None
    assert meter.rule_on(date(2030, 1, 1)).legal_basis == "TT 99/2030"


# --- lookups ------------------------------------------------------------------------------------------


def codes(q=None, quantity=None) -> list[str]:
    stmt = services.search_instrument_types(q, quantity).order_by(InstrumentType.code)
    return list(db.session.scalars(stmt.with_only_columns(InstrumentType.code)))


@pytest.mark.parametrize(
    "q",
    [
        "công tơ điện",
        unicodedata.normalize("NFD", "Công tơ Điện"),
        "cong to dien",
        "CONG TO   dien",
        "phase energy meter",
        "energy_meter",
    ],
)
def test_search_ignores_case_diacritics_and_normal_forms(q):
    assert codes(q) == [
        "ENERGY_METER_1P_ELEC",
        "ENERGY_METER_1P_IND",
        "ENERGY_METER_3P_ELEC",
        "ENERGY_METER_3P_IND",
    ]


def test_search_needs_every_word_and_filters_by_quantity():
    assert codes("cong to 3 pha") == ["ENERGY_METER_3P_ELEC", "ENERGY_METER_3P_IND"]
    assert codes("taximet") == ["TAXIMETER"]
    assert codes("taximet", "mass") == []
    assert len(codes(quantity="mass")) == 13
    assert len(codes()) == len(codes("")) == 89
    assert codes("không có loại này") == []


@pytest.mark.parametrize("q, field", [("a\x00b", "q"), ("x" * 201, "q")])
def test_a_search_that_cannot_be_text_is_refused(q, field):
    with pytest.raises(ServiceError) as caught:
        services.search_instrument_types(q)
    assert set(caught.value.fields) == {field}


@pytest.mark.parametrize("code", ["taximeter", " TAXIMETER "])
def test_codes_are_found_whatever_their_case(code):
    assert type_(code).code == "TAXIMETER"


@pytest.mark.parametrize("code", ["NOPE", "", "a\x00b", "x" * 100])
def test_unknown_codes(code):
    with pytest.raises(NotFoundError):
        services.find_instrument_type(code)
    with pytest.raises(ServiceError) as caught:
        services.get_instrument_type(code)
    assert set(caught.value.fields) == {"type_code"}


def test_admin_units_come_province_first_and_keep_the_abolished_districts():
    units = services.admin_units()
    assert units[0].code == "62" and units[0].successor.startswith("51")
    district = services.get_admin_unit("615")
    assert district.name == "Huyện Đắk Hà"
    assert district.is_valid_on(date(2025, 6, 30)) and not district.is_valid_on(date(2025, 7, 1))
    assert district.abolished_on == date(2025, 7, 1)
    assert district.needs_verification
    with pytest.raises(ServiceError) as caught:
        services.get_admin_unit("999")
    assert set(caught.value.fields) == {"admin_unit"}
