"""Serial numbers are one instrument's whatever their case or diacritics: the lookup, the duplicate check and
an event naming its instrument by owner and serial number all meet, as the search does; and the search
finds an instrument by its type's names and its owner's code too."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from registry.audit import services as audit
from registry.auth.models import Role
from registry.catalogue.models import InstrumentType
from registry.core.dates import local_today
from registry.core.errors import ServiceError
from registry.events.naming import find_item
from registry.extensions import db
from registry.items.models import ItemKind
from registry.items.search import ItemFilters, filter_conditions
from registry.items.services import MODELS, create_instrument, create_standard, lookup_instruments
from tests.factories import InstrumentFactory, OrganisationFactory, StandardFactory, user_with_role


def found(user, query: str) -> list[str]:
    conditions = filter_conditions(user, ItemKind.INSTRUMENT, ItemFilters(q=query), local_today())
    stmt = select(MODELS[ItemKind.INSTRUMENT]).where(*conditions).order_by(MODELS[ItemKind.INSTRUMENT].id)
    return [item.serial_number for item in db.session.scalars(stmt)]


@pytest.fixture
def station():
    owner = OrganisationFactory(code="QUA19", name="Cửa hàng Xăng dầu Quang Trung")
    InstrumentFactory(owner=owner, serial_number="QUA19-00002")
    InstrumentFactory(owner=owner, serial_number="Đức-7", type_code="WATER_METER_MECH")
    return owner


@pytest.mark.parametrize("typed", ["QUA19-00002", "qua19-00002", "Qua19-00002", " qua19-00002 "])
def test_the_lookup_ignores_case(station, lab_technician, typed):
    assert [
        i.serial_number for i in lookup_instruments(lab_technician, owner="qua19", serial_number=typed)
    ] == ["QUA19-00002"]


@pytest.mark.parametrize("typed", ["đức-7", "ĐỨC-7", "duc-7", unicodedata.normalize("NFD", "Đức-7")])
def test_the_lookup_ignores_diacritics_in_either_normal_form(station, lab_technician, typed):
    assert [
        i.serial_number for i in lookup_instruments(lab_technician, owner="QUA19", serial_number=typed)
    ] == ["Đức-7"]


def test_a_serial_number_differing_only_in_case_is_a_duplicate(station, department_officer):
    with pytest.raises(ServiceError) as refused:
        create_instrument(
            department_officer,
            {"owner": "QUA19", "type_code": "FUEL_DISPENSER", "serial_number": "qua19-00002"},
        )
    assert set(refused.value.fields) == {"serial_number"}
    # Another type may share the number, as before.
    other = create_instrument(
        department_officer, {"owner": "QUA19", "type_code": "TAXIMETER", "serial_number": "qua19-00002"}
    )
    assert other.serial_number == "qua19-00002"


def test_a_standard_differing_only_in_case_or_diacritics_is_a_duplicate(lab):
    StandardFactory(owner=lab, serial_number="CHUẨN-01")
    with pytest.raises(ServiceError) as refused:
        create_standard(
            user_with_role(Role.PROVIDER_MANAGER, lab),
            {"name": "Quả cân", "serial_number": "chuan-01", "level": "working", "quantity": "mass"},
        )
    assert "serial_number" in refused.value.fields


def test_an_event_names_its_instrument_whatever_the_case(station, lab_technician):
    item = find_item(lab_technician, owner="qua19", serial_number="qua19-00002")
    assert item.serial_number == "QUA19-00002"


@pytest.mark.parametrize(
    ("query", "serials"),
    [
        ("cot do xang dau", ["QUA19-00002"]),
        ("Cột đo xăng dầu", ["QUA19-00002"]),
        ("fuel dispenser", ["QUA19-00002"]),
        ("dong ho do nuoc", ["Đức-7"]),
        ("water meter", ["Đức-7"]),
        ("qua19", ["QUA19-00002", "Đức-7"]),
    ],
)
def test_the_search_finds_type_names_in_both_languages_and_owner_codes(
    station, department_officer, query, serials
):
    assert found(department_officer, query) == serials


def test_a_renamed_type_is_found_by_its_new_name(station, department_officer):
    water = db.session.scalars(select(InstrumentType).where(InstrumentType.code == "WATER_METER_MECH")).one()
    with audit.reason("Tên theo văn bản mới"):
        water.name_vi = "Đồng hồ nước lạnh"
        db.session.flush()
    assert found(department_officer, "dong ho nuoc lanh") == ["Đức-7"]


@pytest.mark.usefixtures("committing_sessions")
def test_the_migration_fills_the_serial_key_and_the_wider_search_text_of_existing_items(separate_database):
    import flask_migrate

    from registry import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": separate_database("serial_key")})
    with app.app_context():
        flask_migrate.upgrade(revision="0011_suspects")
        owner = OrganisationFactory(code="QUA19", name="Cửa hàng Quang Trung")
        db.session.execute(
            text(
                "INSERT INTO items (kind, owner_id, type_id, serial_number, name, manufacturer, model, "
                "measuring_range, state, funding, purpose, notes, needs_reverification, search_text, "
                "accuracy_class, site_address, quantity, uncertainty, traceable_to, producer, "
                "producer_iso17034, lot, certified_value, unit, certificate_number, created_at, version) "
                "SELECT 'instrument', :owner, id, 'ĐỨC-7', '', '', '', '', 'in_service', 'own', 'other', '', "
                "false, 'duc-7', '', '', '', '', '', '', false, '', '', '', '', :now, 1 "
                "FROM instrument_types WHERE code = 'FUEL_DISPENSER'"
            ),
            {"owner": owner.id, "now": datetime.now(UTC)},
        )
        db.session.commit()
        flask_migrate.upgrade()
        row = db.session.execute(text("SELECT serial_key, search_text FROM items")).one()
        assert row.serial_key == "duc-7"
        assert row.search_text == "duc-7 cot do xang dau fuel dispenser qua19 cua hang quang trung"
        db.session.remove()
        db.engine.dispose()  # before the database is dropped: no connection left open behind it
