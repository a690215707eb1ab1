"""Who may do what with items, as the access policy (registry/auth/policy.py, the items' ``__acl__`` and
``__visible__``) decides it and the item services enforce it: managers for their own organisation, labs
on an enterprise's behalf, by lookup and on the items they have served, viewers and technicians read
only, the Department everything and alone transfers; another organisation's item is not found (404),
one that is seen but not the actor's to change is forbidden (403). And the owner's rename reaching its
items' search column."""

from __future__ import annotations

import pytest

from registry.audit import services as audit
from registry.auth import policy
from registry.auth.models import Role
from registry.auth.policy import Permission
from registry.core.errors import ForbiddenError, NotFoundError, ServiceError
from registry.extensions import db
from registry.items import services
from registry.items.models import Instrument, Item, ItemKind, MeasurementStandard, ReferenceMaterial
from registry.organisations.services import update_organisation
from tests.factories import (
    InstrumentFactory,
    OrganisationFactory,
    ReferenceMaterialFactory,
    StandardFactory,
    lab_with_credentials,
    record_verification,
    user_with_role,
)
from tests.helpers import SYSTEM

# These tests read service messages outside a request: in English.
pytestmark = pytest.mark.usefixtures("english")


def fields_of(error: pytest.ExceptionInfo[ServiceError]) -> set[str]:
    return set(error.value.fields)


# --- Who registers which items ----------------------------------------------------------------------------


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
    assert policy.permits(enterprise_manager, enterprise_manager.organisation, Permission.REGISTER_ITEMS)
    assert not policy.permits(enterprise_manager, other, Permission.REGISTER_ITEMS)
    assert not policy.permits(enterprise_manager, other, Permission.REGISTER_INSTRUMENTS)
    # Their own organisation, by its code or by default.
    mine = services.create_instrument(
        enterprise_manager,
        {"owner": enterprise_manager.organisation.code, "type_code": "FUEL_DISPENSER", "serial_number": "1"},
    )
    assert mine.owner == enterprise_manager.organisation


def test_a_technician_registers_an_instrument_on_an_enterprises_behalf(enterprise):
    technician = user_with_role(Role.PROVIDER_TECHNICIAN)
    assert policy.permits(technician, enterprise, Permission.REGISTER_INSTRUMENTS)
    assert not policy.permits(technician, enterprise, Permission.REGISTER_ITEMS)
    instrument = services.create_instrument(
        technician, {"owner": enterprise.code.lower(), "type_code": "FUEL_DISPENSER", "serial_number": "HỘ-1"}
    )
    assert instrument.owner == enterprise
    with pytest.raises(NotFoundError):  # registered, but not the lab's to see
        services.get_item(technician, instrument.id, Instrument)
    assert not policy.can_see(technician, instrument)
    another_lab = OrganisationFactory(provider=True)
    assert not policy.permits(technician, another_lab, Permission.REGISTER_INSTRUMENTS)
    for owner, message in (
        ("", "Give the code of the enterprise that owns the instrument."),
        (another_lab.code, f"No enterprise with code {another_lab.code}."),
        ("NO-SUCH-ORG", "No enterprise with code NO-SUCH-ORG."),
    ):
        with pytest.raises(ServiceError) as error:
            services.create_instrument(
                technician, {"owner": owner, "type_code": "FUEL_DISPENSER", "serial_number": "2"}
            )
        assert fields_of(error) == {"owner"}
        assert str(error.value.fields["owner"]) == message
    # Only instruments: a lab registers no standard of its own through a technician, nor any other kind.
    services.check_may_register(technician, ItemKind.INSTRUMENT)
    for kind in (ItemKind.STANDARD, ItemKind.REFERENCE_MATERIAL):
        with pytest.raises(ForbiddenError):
            services.check_may_register(technician, kind)
    with pytest.raises(ForbiddenError):
        services.create_standard(
            technician, {"name": "X", "level": "working", "quantity": "mass", "interval_months": 1}
        )


def test_a_lab_manager_registers_its_own_standards_not_an_enterprises(enterprise):
    manager = user_with_role(Role.PROVIDER_MANAGER)
    values = {"name": "Quả cân", "level": "working", "quantity": "mass", "interval_months": 12}
    standard = services.create_standard(manager, values)
    assert standard.owner == manager.organisation
    with pytest.raises(ServiceError) as error:
        services.create_standard(manager, {**values, "owner": enterprise.code})
    assert fields_of(error) == {"owner"}
    # An instrument on the enterprise's behalf, as its technicians do.
    instrument = services.create_instrument(
        manager, {"owner": enterprise.code, "type_code": "FUEL_DISPENSER", "serial_number": "LM-1"}
    )
    assert instrument.owner == enterprise


def test_the_department_registers_for_any_owner(department_officer, department_admin, enterprise):
    for user in (department_officer, department_admin):
        assert policy.permits(user, enterprise, Permission.REGISTER_ITEMS)
        for kind in ItemKind:
            services.check_may_register(user, kind)
    instrument = services.create_instrument(
        department_officer, {"owner": "xd-kt", "type_code": "FUEL_DISPENSER", "serial_number": "SỞ-1"}
    )
    assert instrument.owner == enterprise
    with pytest.raises(ServiceError) as error:
        services.create_instrument(
            department_officer, {"owner": "NO-SUCH-ORG", "type_code": "FUEL_DISPENSER", "serial_number": "2"}
        )
    assert str(error.value.fields["owner"]) == "No organisation with code NO-SUCH-ORG."


def test_viewers_and_technicians_read_only(enterprise):
    viewer = user_with_role(Role.ENTERPRISE_VIEWER, enterprise)
    instrument = InstrumentFactory(owner=enterprise)
    assert services.get_item(viewer, instrument.id, Instrument) == instrument
    with pytest.raises(ForbiddenError):
        services.check_may_register(viewer, ItemKind.INSTRUMENT)
    with pytest.raises(ForbiddenError):
        services.create_instrument(viewer, {"type_code": "FUEL_DISPENSER", "serial_number": "V"})
    with pytest.raises(ForbiddenError):
        services.update_item(viewer, instrument, {"model": "X"}, reason="Thử", version=1)
    with pytest.raises(ForbiddenError):  # seen, so forbidden rather than not found
        services.get_item(viewer, instrument.id, Instrument, Permission.CHANGE)
    lab = OrganisationFactory(provider=True)
    standard = StandardFactory(owner=lab)
    technician = user_with_role(Role.PROVIDER_TECHNICIAN, lab)
    assert services.get_item(technician, standard.id, MeasurementStandard) == standard
    with pytest.raises(ForbiddenError):
        services.retire_item(technician, standard, reason="Thử", version=1)
    assert standard.state == "in_service"
    assert instrument.model != "X"


def test_another_organisations_item_is_not_found(enterprise_manager):
    theirs = InstrumentFactory()
    with pytest.raises(NotFoundError):
        services.get_item(enterprise_manager, theirs.id, Instrument)
    with pytest.raises(NotFoundError):
        services.get_item(enterprise_manager, 2**70, Instrument)
    for no_id in (0, -1):
        with pytest.raises(NotFoundError):
            services.get_item(enterprise_manager, no_id, Instrument)
    # Not found whatever it would do to it: never "forbidden", which would tell that it exists.
    for permission in (Permission.CHANGE, Permission.TRANSFER, Permission.VIEW_HISTORY):
        with pytest.raises(NotFoundError):
            services.get_item(enterprise_manager, theirs.id, Instrument, permission)
    with pytest.raises(NotFoundError):
        services.update_item(enterprise_manager, theirs, {"model": "X"}, reason="Thử", version=1)
    with pytest.raises(NotFoundError):
        services.retire_item(enterprise_manager, theirs, reason="Thử", version=1)
    assert theirs.state == "in_service"
    # Nor is an item of another kind under an instrument's id.
    standard = StandardFactory(owner=enterprise_manager.organisation)
    with pytest.raises(NotFoundError):
        services.get_item(enterprise_manager, standard.id, Instrument)
    assert services.get_item(enterprise_manager, standard.id, MeasurementStandard) == standard
    assert services.get_item(enterprise_manager, standard.id, Item) == standard


# --- Who sees and changes which items: the policy, and the services that ask it ---------------------------

ACTORS = (
    "department_admin",
    "department_officer",
    "system",
    "owner_manager",
    "owner_viewer",
    "serving_lab_technician",
    "serving_lab_manager",
    "other_lab_manager",
    "other_enterprise_manager",
)
# Of an instrument of the enterprise that a lab has verified: what each actor may do to it.
MAY = {
    Permission.VIEW: {
        "department_admin",
        "department_officer",
        "system",
        "owner_manager",
        "owner_viewer",
        "serving_lab_technician",
        "serving_lab_manager",
    },
    Permission.CHANGE: {"department_admin", "department_officer", "system", "owner_manager"},
    Permission.TRANSFER: {"department_admin", "department_officer", "system"},
    # The owner's people and the Department read its history (names of the owner's people), not the labs.
    Permission.VIEW_HISTORY: {
        "department_admin",
        "department_officer",
        "system",
        "owner_manager",
        "owner_viewer",
    },
}


@pytest.fixture
def served(enterprise, lab, lab_technician):
    """The enterprise's instrument, verified by ``lab``, and an actor for each name of ACTORS."""
    instrument = InstrumentFactory(owner=enterprise, serial_number="SV-1")
    # Named by its owner and serial number, as a lab names an instrument it has not served yet.
    record_verification(lab_technician, None, owner=enterprise.code, serial_number=instrument.serial_number)
    actors = {
        "department_admin": user_with_role(Role.DEPARTMENT_ADMIN),
        "department_officer": user_with_role(Role.DEPARTMENT_OFFICER),
        "system": SYSTEM,
        "owner_manager": user_with_role(Role.ENTERPRISE_MANAGER, enterprise),
        "owner_viewer": user_with_role(Role.ENTERPRISE_VIEWER, enterprise),
        "serving_lab_technician": lab_technician,
        "serving_lab_manager": user_with_role(Role.PROVIDER_MANAGER, lab),
        "other_lab_manager": user_with_role(Role.PROVIDER_MANAGER, lab_with_credentials()),
        "other_enterprise_manager": user_with_role(Role.ENTERPRISE_MANAGER),
    }
    return instrument, actors


@pytest.mark.parametrize("permission", list(MAY))
@pytest.mark.parametrize("name", ACTORS)
def test_who_sees_changes_and_transfers_an_item(served, name, permission):
    instrument, actors = served
    actor = actors[name]
    allowed = name in MAY[permission]
    assert policy.permits(actor, instrument, permission) is allowed
    if allowed:
        assert services.get_item(actor, instrument.id, Instrument, permission) == instrument
    elif name in MAY[Permission.VIEW]:
        with pytest.raises(ForbiddenError):
            services.get_item(actor, instrument.id, Instrument, permission)
    else:
        with pytest.raises(NotFoundError):
            services.get_item(actor, instrument.id, Instrument, permission)


@pytest.mark.parametrize("name", ACTORS)
def test_the_services_enforce_who_changes_and_transfers(served, name):
    instrument, actors = served
    actor = actors[name]
    refusal = NotFoundError if name not in MAY[Permission.VIEW] else ForbiddenError
    if name in MAY[Permission.CHANGE]:
        services.update_item(
            actor, instrument, {"model": "Đổi"}, reason="Theo nhãn máy", version=instrument.version
        )
        assert instrument.model == "Đổi"
    else:
        with pytest.raises(refusal):
            services.update_item(
                actor, instrument, {"model": "Đổi"}, reason="Theo nhãn máy", version=instrument.version
            )
        assert instrument.model != "Đổi"
    buyer = OrganisationFactory()
    if name in MAY[Permission.TRANSFER]:
        services.transfer_item(actor, instrument, owner=buyer.code, reason="Bán", version=None)
        assert instrument.owner == buyer
    else:
        with pytest.raises(refusal):
            services.transfer_item(actor, instrument, owner=buyer.code, reason="Bán", version=None)
        assert instrument.owner != buyer


def test_a_lab_sees_the_items_it_has_served_not_others(served, enterprise):
    instrument, actors = served
    unserved = InstrumentFactory(owner=enterprise, serial_number="SV-2")
    for name in ("serving_lab_technician", "serving_lab_manager"):
        actor = actors[name]
        assert policy.can_see(actor, instrument)
        assert not policy.can_see(actor, unserved)
        with pytest.raises(NotFoundError):
            services.get_item(actor, unserved.id, Instrument)
        # Its own standards too, and what it sees is what its lists hold.
        assert services.status_tally(actor, ItemKind.INSTRUMENT)["valid"] == 1
        assert sum(services.status_tally(actor, ItemKind.INSTRUMENT).values()) == 1
    other_lab = actors["other_lab_manager"]
    assert not policy.can_see(other_lab, instrument)
    assert sum(services.status_tally(other_lab, ItemKind.INSTRUMENT).values()) == 0
    assert sum(services.status_tally(actors["owner_viewer"], ItemKind.INSTRUMENT).values()) == 2


def test_who_registers_which_kinds(served):
    _, actors = served
    may_create = {
        Instrument: set(ACTORS) - {"owner_viewer"},
        MeasurementStandard: set(ACTORS) - {"owner_viewer", "serving_lab_technician"},
        ReferenceMaterial: set(ACTORS) - {"owner_viewer", "serving_lab_technician"},
    }
    for model, allowed in may_create.items():
        for name in ACTORS:
            assert policy.permits(actors[name], model, Permission.CREATE) is (name in allowed), (model, name)
    may_look_up = {
        "department_admin",
        "department_officer",
        "system",
        "serving_lab_technician",
        "serving_lab_manager",
        "other_lab_manager",
    }
    for name in ACTORS:
        assert policy.permits(actors[name], Instrument, Permission.LOOK_UP) is (name in may_look_up), name


# --- Lookup ---------------------------------------------------------------------------------------------


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


# --- The owner's name in its items' search column --------------------------------------------------------


def test_renaming_the_owner_refreshes_its_items_search_text(enterprise):
    items = [InstrumentFactory(owner=enterprise), ReferenceMaterialFactory(owner=enterprise)]
    untouched = InstrumentFactory()
    before = untouched.search_text
    update_organisation(SYSTEM, enterprise, {"name": "Tổng công ty Đường sắt"}, reason="Đổi tên")
    for item in items:
        assert item.search_text.endswith("tong cong ty duong sat")
        assert item.version == 1  # a derived column: no new version of the item
        assert [event.action for event in audit.history("items", item.id)] == ["create"]
    assert untouched.search_text == before
    # Read back from the database, not only the session.
    db.session.expire_all()
    assert all(db.session.get(Item, item.id).search_text.endswith("duong sat") for item in items)
    # A rename made any other way (straight on the row, with its reason) reaches them as well.
    with audit.reason("Đổi tên lần nữa"):
        enterprise.name = "Công ty Cổ phần Sông Đà"
    assert all(
        db.session.get(Item, item.id).search_text.endswith("cong ty co phan song da") for item in items
    )
    assert untouched.search_text == before


# --- The system --------------------------------------------------------------------------------------


def test_a_trusted_caller_acts_for_the_department_but_must_name_the_owner(enterprise):
    """The command line and scheduler jobs act as a SystemActor (imports, demo data)."""
    assert policy.is_department(SYSTEM) and policy.acts_for_anyone(SYSTEM)
    with pytest.raises(ServiceError) as error:
        services.create_instrument(SYSTEM, {"type_code": "FUEL_DISPENSER", "serial_number": "CLI-1"})
    assert fields_of(error) == {"owner"}
    instrument = services.create_instrument(
        SYSTEM, {"owner": "XD-KT", "type_code": "FUEL_DISPENSER", "serial_number": "CLI-1"}
    )
    assert instrument.owner == enterprise
    services.update_item(SYSTEM, instrument, {"model": "M"}, reason="Nhập từ tệp", version=1)
    assert instrument.model == "M"
    assert services.lookup_instruments(SYSTEM, owner="XD-KT", serial_number="CLI-1") == [instrument]
    assert services.get_item(SYSTEM, instrument.id, Instrument, Permission.TRANSFER) == instrument
