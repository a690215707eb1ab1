"""Item services: registering, the interval rule, unique serial numbers, edits with reasons and versions,
transfers, relocations, retirement, and who may do which."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from registry.audit.services import history
from registry.auth.models import Role
from registry.core.dates import local_today, today_is
from registry.core.errors import ConflictError, ForbiddenError, ServiceError
from registry.extensions import db
from registry.items import services
from registry.items.models import Item
from registry.items.status import Status, status_of
from tests.factories import (
    InstrumentFactory,
    OrganisationFactory,
    user_with_role,
)
from tests.helpers import admin_unit

TODAY = date(2025, 3, 1)


def count_items() -> int:
    return db.session.scalar(select(func.count(Item.id))) or 0


def fields_of(error: pytest.ExceptionInfo[ServiceError]) -> set[str]:
    return set(error.value.fields)


# --- Registering instruments ------------------------------------------------------------------------------


def test_an_instrument_takes_its_owners_site_and_a_folded_search_text(enterprise_manager, enterprise):
    with today_is(TODAY):
        instrument = services.create_instrument(
            enterprise_manager,
            {
                "type_code": "fuel_dispenser",
                "serial_number": unicodedata.normalize("NFD", " ĐK-0001 "),
                "manufacturer": "Tatsuno",
                "model": "Sunny",
                "acquired_on": TODAY,
            },
        )
    assert instrument.owner == enterprise
    assert instrument.instrument_type.code == "FUEL_DISPENSER"
    assert instrument.serial_number == "ĐK-0001"  # stripped and composed (NFC)
    assert (instrument.site_address, instrument.site_admin_unit.code) == ("Số 1 Phan Đình Phùng", "608")
    assert (instrument.use, instrument.state, instrument.funding, instrument.purpose) == (
        "legal",
        "in_service",
        "own",
        "other",
    )
    assert (
        instrument.search_text
        == "dk-0001 tatsuno sunny cot do xang dau fuel dispenser xd-kt cong ty xang dau kon tum"
    )
    assert instrument.serial_key == "dk-0001"
    assert status_of(instrument, TODAY) == Status.NEVER
    assert history("items", instrument.id)[0].action == "create"


def test_a_site_given_is_kept(enterprise_manager):
    instrument = services.create_instrument(
        enterprise_manager,
        {
            "type_code": "FUEL_DISPENSER",
            "serial_number": "A1",
            "site_address": "Km 7",
            "site_admin_unit": "615",
        },
    )
    assert (instrument.site_address, instrument.site_admin_unit.name) == ("Km 7", "Huyện Đắk Hà")


def test_serial_numbers_are_unique_per_owner_and_type(enterprise_manager, department_officer):
    services.create_instrument(enterprise_manager, {"type_code": "FUEL_DISPENSER", "serial_number": "S-1"})
    with pytest.raises(ServiceError) as error:
        services.create_instrument(
            enterprise_manager, {"type_code": "FUEL_DISPENSER", "serial_number": "S-1"}
        )
    assert fields_of(error) == {"serial_number"}
    assert "S-1" in str(error.value.fields["serial_number"])
    # Another type, or another owner, may use the same serial number.
    services.create_instrument(
        enterprise_manager, {"type_code": "TAXIMETER", "serial_number": "S-1", "interval_months": 12}
    )
    other = OrganisationFactory()
    services.create_instrument(
        department_officer, {"owner": other.code, "type_code": "FUEL_DISPENSER", "serial_number": "S-1"}
    )
    assert count_items() == 3


@pytest.mark.parametrize(
    "values, today, error_field",
    [
        # The taximeter's legal cycle is 18 months since 2020: an interval may only shorten it.
        ({"type_code": "TAXIMETER", "interval_months": 24}, TODAY, "interval_months"),
        # Internal use: calibrated, so the owner's interval is required (and not bound by the legal cycle).
        ({"type_code": "TAXIMETER", "use": "internal"}, TODAY, "interval_months"),
        ({"type_code": "FUEL_DISPENSER", "interval_months": 0}, TODAY, "interval_months"),
        ({"type_code": "FUEL_DISPENSER", "interval_months": 241}, TODAY, "interval_months"),
        # Text as a form sends it: ASCII digits only (see test_a_legal_interval_may_shorten_the_cycle).
        ({"type_code": "FUEL_DISPENSER", "interval_months": "twelve"}, TODAY, "interval_months"),
        ({"type_code": "FUEL_DISPENSER", "interval_months": "١٢"}, TODAY, "interval_months"),
        ({"type_code": "FUEL_DISPENSER", "interval_months": "12.0"}, TODAY, "interval_months"),
        ({"type_code": "FUEL_DISPENSER", "interval_months": True}, TODAY, "interval_months"),
        ({"type_code": "NO_SUCH_TYPE"}, TODAY, "type_code"),
        ({"type_code": "có dấu\x00"}, TODAY, "type_code"),
        ({"type_code": ""}, TODAY, "type_code"),
        ({"type_code": "FUEL_DISPENSER", "use": "trade"}, TODAY, "use"),
        ({"type_code": "FUEL_DISPENSER", "state": "broken"}, TODAY, "state"),
        ({"type_code": "FUEL_DISPENSER", "funding": "loan"}, TODAY, "funding"),
        ({"type_code": "FUEL_DISPENSER", "purpose": ""}, TODAY, "purpose"),
        ({"type_code": "FUEL_DISPENSER", "site_admin_unit": "99999"}, TODAY, "site_admin_unit"),
        ({"type_code": "FUEL_DISPENSER", "acquired_on": TODAY + timedelta(days=1)}, TODAY, "acquired_on"),
        ({"type_code": "FUEL_DISPENSER", "manufacturer": "x" * 121}, TODAY, "manufacturer"),
        ({"type_code": "FUEL_DISPENSER", "model": "a\x07b"}, TODAY, "model"),
        ({"type_code": "FUEL_DISPENSER", "accuracy_class": 5}, TODAY, "accuracy_class"),
    ],
)
def test_invalid_instruments_name_the_field_and_store_nothing(enterprise_manager, values, today, error_field):
    before = count_items()
    with today_is(today), pytest.raises(ServiceError) as error:
        services.create_instrument(enterprise_manager, {"serial_number": "E-1", **values})
    assert fields_of(error) == {error_field}
    assert count_items() == before


@pytest.mark.parametrize("interval, stored", [(None, None), (18, 18), (6, 6), (" 6 ", 6), ("", None)])
def test_a_legal_interval_may_shorten_the_cycle(enterprise_manager, interval, stored):
    """A number, or its digits as a web form sends them (forms are shape only: the service reads text)."""
    with today_is(TODAY):
        instrument = services.create_instrument(
            enterprise_manager,
            {"type_code": "TAXIMETER", "serial_number": "T-1", "interval_months": interval},
        )
    assert instrument.interval_months == stored


def test_the_cycle_in_force_on_the_day_counts(enterprise_manager):
    # In 2019 a taximeter's legal cycle was 12 months.
    with today_is(date(2019, 6, 1)), pytest.raises(ServiceError) as error:
        services.create_instrument(
            enterprise_manager, {"type_code": "TAXIMETER", "serial_number": "T-1", "interval_months": 18}
        )
    assert fields_of(error) == {"interval_months"}


def test_internal_use_takes_any_interval(enterprise_manager):
    instrument = services.create_instrument(
        enterprise_manager,
        {"type_code": "TAXIMETER", "serial_number": "T-2", "use": "internal", "interval_months": 36},
    )
    assert instrument.interval_months == 36


def test_every_broken_field_is_reported_at_once(enterprise_manager):
    with pytest.raises(ServiceError) as error:
        services.create_instrument(
            enterprise_manager, {"owner": "SOMEONE-ELSE", "use": "x", "acquired_on": "yesterday"}
        )
    assert fields_of(error) == {"owner", "type_code", "serial_number", "use", "acquired_on"}


# --- Standards and reference materials -------------------------------------------------------------------


def test_a_standard_needs_its_interval_and_a_unique_serial_number():
    lab = user_with_role(Role.PROVIDER_MANAGER)
    values = {"name": "Quả cân 1 kg", "level": "working", "quantity": "mass", "serial_number": "QC-1"}
    with pytest.raises(ServiceError) as error:
        services.create_standard(lab, values)
    assert fields_of(error) == {"interval_months"}
    standard = services.create_standard(lab, {**values, "interval_months": 12, "range": "1 kg"})
    assert (standard.measuring_range, standard.owner) == ("1 kg", lab.organisation)
    with pytest.raises(ServiceError) as error:
        services.create_standard(lab, {**values, "interval_months": 12})
    assert fields_of(error) == {"serial_number"}
    # No serial number: nothing to be unique.
    services.create_standard(lab, {**values, "serial_number": "", "interval_months": 12})
    services.create_standard(lab, {**values, "serial_number": "", "interval_months": 12})
    with pytest.raises(ServiceError) as error:
        services.create_standard(lab, {"name": "", "level": "gold", "quantity": "", "interval_months": 12})
    assert fields_of(error) == {"name", "level", "quantity"}


def test_a_reference_material_is_valid_until_it_expires():
    lab = user_with_role(Role.PROVIDER_MANAGER)
    expiry = local_today() + timedelta(days=20)
    material = services.create_reference_material(
        lab, {"name": "Dung dịch pH 4", "lot": "L1", "expiry_date": expiry, "producer_iso17034": True}
    )
    assert (material.valid_until, material.last_result) == (expiry, "pass")
    assert status_of(material, local_today()) == Status.DUE_SOON
    services.update_item(
        lab,
        material,
        {"expiry_date": expiry + timedelta(days=365)},
        reason="Gia hạn theo chứng chỉ",
        version=1,
    )
    assert material.valid_until == expiry + timedelta(days=365)
    assert status_of(material, local_today()) == Status.VALID
    with pytest.raises(ServiceError) as error:
        services.create_reference_material(
            lab, {"name": "Dung dịch pH 4", "lot": "L1", "expiry_date": expiry}
        )
    assert fields_of(error) == {"lot"}
    with pytest.raises(ServiceError) as error:
        services.create_reference_material(
            lab, {"name": "Khác", "acquired_on": date(2025, 1, 10), "expiry_date": date(2025, 1, 9)}
        )
    assert fields_of(error) == {"expiry_date"}
    with pytest.raises(ServiceError) as error:
        services.create_reference_material(lab, {"name": "Khác", "producer_iso17034": "yes"})
    assert fields_of(error) == {"expiry_date", "producer_iso17034"}


# --- Changing ---------------------------------------------------------------------------------------------


def test_an_edit_needs_a_reason_and_the_current_version(enterprise_manager, enterprise):
    instrument = InstrumentFactory(owner=enterprise, manufacturer="Cũ")
    with pytest.raises(ServiceError) as error:
        services.update_item(enterprise_manager, instrument, {"manufacturer": "Mới"}, reason="  ", version=1)
    assert fields_of(error) == {"reason"}
    services.update_item(
        enterprise_manager, instrument, {"manufacturer": "Mới"}, reason="Sửa theo nhãn máy", version=1
    )
    assert (instrument.manufacturer, instrument.version) == ("Mới", 2)
    assert "moi" in instrument.search_text.split()
    event = history("items", instrument.id)[-1]
    assert (event.reason, event.old_values["manufacturer"], event.new_values["manufacturer"]) == (
        "Sửa theo nhãn máy",
        "Cũ",
        "Mới",
    )
    with pytest.raises(ConflictError):
        services.update_item(
            enterprise_manager, instrument, {"manufacturer": "Lần nữa"}, reason="Sửa", version=1
        )
    assert instrument.manufacturer == "Mới"


def test_a_refused_edit_leaves_the_row_as_it_was(enterprise_manager, enterprise):
    instrument = InstrumentFactory(owner=enterprise, type_code="TAXIMETER")
    InstrumentFactory(owner=enterprise, type_code="TAXIMETER", serial_number="TAKEN")
    with pytest.raises(ServiceError) as error:
        services.update_item(
            enterprise_manager,
            instrument,
            {"serial_number": "TAKEN", "interval_months": 24},
            reason="Sửa",
            version=1,
        )
    assert fields_of(error) == {"serial_number", "interval_months"}
    assert not db.session.is_modified(instrument)
    db.session.flush()
    assert instrument.version == 1


def test_an_edit_that_changes_nothing_is_not_a_version(enterprise_manager, enterprise):
    instrument = InstrumentFactory(owner=enterprise)
    services.update_item(
        enterprise_manager, instrument, {"model": instrument.model}, reason="Không đổi", version=1
    )
    assert instrument.version == 1
    assert [event.action for event in history("items", instrument.id)] == ["create"]


def test_changing_the_use_rechecks_the_interval(enterprise_manager, enterprise):
    instrument = InstrumentFactory(owner=enterprise, type_code="TAXIMETER", internal=True, interval_months=36)
    with pytest.raises(ServiceError) as error:
        services.update_item(
            enterprise_manager, instrument, {"use": "legal"}, reason="Dùng trong thương mại", version=1
        )
    assert fields_of(error) == {"interval_months"}
    services.update_item(
        enterprise_manager,
        instrument,
        {"use": "legal", "interval_months": 12},
        reason="Dùng trong thương mại",
        version=1,
    )


def test_the_department_transfers_an_item_and_the_history_says_so(department_officer, enterprise):
    instrument = InstrumentFactory(owner=enterprise, serial_number="TR-1", site_address="Cây xăng số 3")
    buyer = OrganisationFactory(code="MUA", name="Công ty Mua lại")
    services.transfer_item(department_officer, instrument, owner="mua", reason="Bán cây xăng số 3", version=1)
    assert instrument.owner == buyer
    assert instrument.site_address == "Cây xăng số 3"  # moving is a separate act
    assert "cong ty mua lai" in instrument.search_text
    event = history("items", instrument.id)[-1]
    assert (event.old_values["owner_id"], event.new_values["owner_id"]) == (enterprise.id, buyer.id)
    assert event.reason == "Bán cây xăng số 3"


@pytest.mark.parametrize(
    "owner, field, message",
    [
        ("XD-KT", "owner", "XD-KT"),  # already its owner
        ("NOBODY", "owner", "NOBODY"),
        ("", "owner", ""),
        ("MUA2", "serial_number", "TR-2"),  # the buyer already has one with this serial number
    ],
)
def test_a_transfer_is_refused_field_by_field(department_officer, enterprise, owner, field, message):
    instrument = InstrumentFactory(owner=enterprise, serial_number="TR-2")
    buyer = OrganisationFactory(code="MUA2")
    InstrumentFactory(owner=buyer, serial_number="TR-2")
    with pytest.raises(ServiceError) as error:
        services.transfer_item(department_officer, instrument, owner=owner, reason="Bán", version=1)
    assert fields_of(error) == {field}
    assert message in " ".join(str(m) for m in error.value.fields.values())
    assert instrument.owner == enterprise


def test_only_the_department_transfers(enterprise_manager, enterprise):
    instrument = InstrumentFactory(owner=enterprise, serial_number="TR-2")
    OrganisationFactory(code="MUA2")
    with pytest.raises(ForbiddenError):
        services.transfer_item(enterprise_manager, instrument, owner="MUA2", reason="Bán", version=1)
    assert instrument.owner == enterprise


def test_relocating_and_retiring(enterprise_manager, enterprise):
    instrument = InstrumentFactory(owner=enterprise, site_admin_unit=admin_unit("608"))
    services.relocate_instrument(
        enterprise_manager,
        instrument,
        site_address="Thôn 2, xã Đắk Mar",
        site_admin_unit="615",
        reason="Chuyển trạm",
        version=1,
    )
    assert instrument.site_admin_unit.code == "615"
    event = history("items", instrument.id)[-1]
    assert (event.old_values["site_admin_unit_id"], event.reason) == (admin_unit("608").id, "Chuyển trạm")
    services.retire_item(enterprise_manager, instrument, reason="Thanh lý", version=2)
    assert instrument.state == "retired"
    assert status_of(instrument, TODAY) == Status.RETIRED
    with pytest.raises(ServiceError) as error:
        services.retire_item(enterprise_manager, instrument, reason="Lần nữa", version=3)
    assert fields_of(error) == {"_"}
    assert db.session.get(Item, instrument.id) is not None  # never deleted
