"""Who may do what with items: managers for their own organisation, labs on an enterprise's behalf and
by lookup, viewers and technicians read only, another organisation's item not found; and the owner's
rename reaching its items' search column."""

from __future__ import annotations

import pytest

from registry.auth.models import Role
from registry.core.errors import ForbiddenError, NotFoundError, ServiceError
from registry.items import access, services
from registry.items.models import Instrument, MeasurementStandard
from tests.factories import (
    InstrumentFactory,
    OrganisationFactory,
    ReferenceMaterialFactory,
    StandardFactory,
    user_with_role,
)

# These tests read service messages outside a request: in English.
pytestmark = pytest.mark.usefixtures("english")


def fields_of(error: pytest.ExceptionInfo[ServiceError]) -> set[str]:
    return set(error.value.fields)


# --- Who may do what --------------------------------------------------------------------------------------


def test_managers_register_for_their_own_organisation_only(enterprise_manager):
    other = OrganisationFactory()
    for owner in (other.code, "NO-SUCH-ORG"):
        with pytest.raises(ServiceError) as error:
            services.create_instrument(
                enterprise_manager, {"owner": owner, "type_code": "FUEL_DISPENSER", "serial_number": "1"}
            )
        # The same answer whether the organisation exists or not.
        assert error.value.fields == {"owner": error.value.fields["owner"]}
        assert "own organisation" in str(error.value.fields["owner"])


def test_a_technician_registers_an_instrument_on_an_enterprises_behalf(enterprise):
    technician = user_with_role(Role.PROVIDER_TECHNICIAN)
    instrument = services.create_instrument(
        technician, {"owner": enterprise.code.lower(), "type_code": "FUEL_DISPENSER", "serial_number": "HỘ-1"}
    )
    assert instrument.owner == enterprise
    with pytest.raises(NotFoundError):  # registered, but not the lab's to see
        access.get_visible_item(technician, instrument.id, Instrument)
    for owner in ("", OrganisationFactory(provider=True).code, "NO-SUCH-ORG"):
        with pytest.raises(ServiceError) as error:
            services.create_instrument(
                technician, {"owner": owner, "type_code": "FUEL_DISPENSER", "serial_number": "2"}
            )
        assert fields_of(error) == {"owner"}
    with pytest.raises(ForbiddenError):
        services.create_standard(
            technician, {"name": "X", "level": "working", "quantity": "mass", "interval_months": 1}
        )


def test_viewers_and_technicians_read_only(enterprise):
    viewer = user_with_role(Role.ENTERPRISE_VIEWER, enterprise)
    instrument = InstrumentFactory(owner=enterprise)
    assert access.get_visible_item(viewer, instrument.id, Instrument) == instrument
    with pytest.raises(ForbiddenError):
        services.create_instrument(viewer, {"type_code": "FUEL_DISPENSER", "serial_number": "V"})
    with pytest.raises(ForbiddenError):
        services.update_item(viewer, instrument, {"model": "X"}, reason="Thử", version=1)
    lab = OrganisationFactory(provider=True)
    standard = StandardFactory(owner=lab)
    with pytest.raises(ForbiddenError):
        services.retire_item(user_with_role(Role.PROVIDER_TECHNICIAN, lab), standard, reason="Thử", version=1)


def test_another_organisations_item_is_not_found(enterprise_manager):
    theirs = InstrumentFactory()
    with pytest.raises(NotFoundError):
        access.get_visible_item(enterprise_manager, theirs.id, Instrument)
    with pytest.raises(NotFoundError):
        access.get_visible_item(enterprise_manager, 2**70, Instrument)
    # Nor is an item of another kind under an instrument's id.
    standard = StandardFactory(owner=enterprise_manager.organisation)
    with pytest.raises(NotFoundError):
        access.get_visible_item(enterprise_manager, standard.id, Instrument)
    assert access.get_visible_item(enterprise_manager, standard.id, MeasurementStandard) == standard


def test_labs_look_up_an_instrument_by_owner_and_exact_serial_number(enterprise):
    InstrumentFactory(owner=enterprise, serial_number="LU-1", type_code="FUEL_DISPENSER")
    InstrumentFactory(owner=enterprise, serial_number="LU-1", type_code="TAXIMETER")
    InstrumentFactory(owner=enterprise, serial_number="LU-10")
    technician = user_with_role(Role.PROVIDER_TECHNICIAN)
    found = services.lookup_instruments(technician, owner="xd-kt", serial_number=" LU-1 ")
    assert sorted(item.instrument_type.code for item in found) == ["FUEL_DISPENSER", "TAXIMETER"]
    assert services.lookup_instruments(technician, owner="NO-SUCH", serial_number="LU-1") == []
    assert services.lookup_instruments(technician, owner="XD-KT", serial_number="LU") == []
    with pytest.raises(ServiceError) as error:
        services.lookup_instruments(technician, owner="", serial_number="")
    assert fields_of(error) == {"owner", "serial_number"}
    with pytest.raises(ForbiddenError):
        services.lookup_instruments(
            user_with_role(Role.ENTERPRISE_MANAGER), owner="XD-KT", serial_number="LU-1"
        )


def test_renaming_the_owner_refreshes_its_items_search_text(enterprise):
    items = [InstrumentFactory(owner=enterprise), ReferenceMaterialFactory(owner=enterprise)]
    untouched = InstrumentFactory()
    before = untouched.search_text
    enterprise.name = "Tổng công ty Đường sắt"
    assert services.refresh_owner_search_text(enterprise) == 2
    for item in items:
        assert item.search_text.endswith("tong cong ty duong sat")
        assert item.version == 1
    assert untouched.search_text == before


def test_a_trusted_caller_acts_for_the_department_but_must_name_the_owner(enterprise):
    """The command line and scheduler jobs pass no user (imports, demo data)."""
    with pytest.raises(ServiceError) as error:
        services.create_instrument(None, {"type_code": "FUEL_DISPENSER", "serial_number": "CLI-1"})
    assert fields_of(error) == {"owner"}
    instrument = services.create_instrument(
        None, {"owner": "XD-KT", "type_code": "FUEL_DISPENSER", "serial_number": "CLI-1"}
    )
    assert instrument.owner == enterprise
    services.update_item(None, instrument, {"model": "M"}, reason="Nhập từ tệp", version=1)
    assert services.lookup_instruments(None, owner="XD-KT", serial_number="CLI-1") == [instrument]
