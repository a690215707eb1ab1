"""Values are what they look like (issue "Hardening", items 5 and 6): an identifier holding an invisible or
control character is refused, never stored beside its look-alike nor matched by a lookup; dates are ISO
8601 extended or dd/mm/yyyy, from 1900, and not in the future where the past is meant; numbers are
finite, in plain notation and of a sane size; whole numbers are JSON integers in the API and digits in a
form; measurement points are counted from 1 everywhere."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from registry.catalogue import reference
from registry.core.dates import clean_date, iso_date, local_today
from registry.core.errors import ServiceError
from registry.core.numbers import read_decimal
from registry.core.validation import clean_identifier, clean_text, code_or_none
from registry.events.points import clean_points
from registry.events.recording import record_event
from registry.extensions import db
from registry.items.models import Instrument
from registry.items.services import create_instrument, lookup_instruments
from registry.organisations.credentials.services import create_credential
from registry.organisations.models import Registration, Verifier
from registry.organisations.parsing import clean_percent
from registry.organisations.services import create_organisation, find_by_code
from tests.factories import InstrumentFactory, OrganisationFactory, record_verification
from tests.helpers import assert_error, csrf_token_from, field_errors, logged_in, post_form

INVISIBLE = "This value contains invisible or control characters: remove them."
ODD_SPACE = "Use plain spaces in this value, not special ones such as a non-breaking space."
FUTURE = "This date cannot be in the future."
WHOLE = "Enter a whole number."
NO_EXPONENT = "Write the number out in full, without an exponent: 0.00005, not 5e-5."
ZWSP, RLO, BOM, SOFT_HYPHEN, ZWJ, NBSP = "\u200b", "\u202e", "\ufeff", "\u00ad", "\u200d", "\u00a0"


def refusal(call: Any, *args: Any, **kwargs: Any) -> dict[str, str]:
    with pytest.raises(ServiceError) as raised:
        call(*args, **kwargs)
    return {name: str(message) for name, message in raised.value.fields.items()}


# --- Identifiers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "serial",
    [
        f"ZW-1{ZWSP}",
        f"ZW{RLO}-1",
        f"{BOM}ZW-1",
        f"ZW{SOFT_HYPHEN}-1",
        "ZW-1\x1c",  # a control character Python's strip() would have trimmed unseen
        "ZW-\u3164",  # a Hangul filler: default-ignorable, though a letter
        f"ZW-1{ZWJ}",
    ],
)
def test_a_serial_number_with_an_invisible_character_is_refused_beside_its_look_alike(
    english: None, enterprise_manager: Any, serial: str
) -> None:
    create_instrument(enterprise_manager, {"type_code": "FUEL_DISPENSER", "serial_number": "ZW-1"})
    errors = refusal(
        create_instrument, enterprise_manager, {"type_code": "FUEL_DISPENSER", "serial_number": serial}
    )
    assert errors == {"serial_number": INVISIBLE}
    serials = db.session.scalars(sa.select(Instrument.serial_number).where(Instrument.owner_id != 0))
    assert [s for s in serials if s.startswith("ZW")] == ["ZW-1"]


def test_an_unusual_space_in_an_identifier_is_refused_but_a_plain_one_is_kept(
    english: None, enterprise_manager: Any
) -> None:
    errors = refusal(
        create_instrument, enterprise_manager, {"type_code": "FUEL_DISPENSER", "serial_number": f"SN{NBSP}1"}
    )
    assert errors == {"serial_number": ODD_SPACE}
    item = create_instrument(enterprise_manager, {"type_code": "FUEL_DISPENSER", "serial_number": " SN 1 "})
    assert item.serial_number == "SN 1"


def test_identifiers_of_every_domain_refuse_invisible_characters(
    english: None, department_officer: Any, lab_technician: Any
) -> None:
    assert refusal(
        create_organisation, department_officer, code=f"EQ{ZWSP}", name="Công ty", kinds=["enterprise"]
    ) == {"code": INVISIBLE}
    assert refusal(
        create_organisation,
        department_officer,
        code="EQ-TAX",
        name="Công ty",
        kinds=["enterprise"],
        tax_code=f"0100109106{ZWSP}",
    ) == {"tax_code": INVISIBLE}
    lab = OrganisationFactory(code="LAB-ZW", provider=True)
    registration = {
        "certificate_number": f"ĐK{RLO}-1",
        "services": ["calibration"],
        "issued_on": "2024-01-02",
    }
    assert refusal(create_credential, department_officer, Registration, lab, registration) == {
        "certificate_number": INVISIBLE
    }
    verifier = {"name": "Nguyễn Văn A", "card_number": f"KĐV{BOM}", "type_codes": ["FUEL_DISPENSER"]}
    assert refusal(
        create_credential,
        department_officer,
        Verifier,
        lab,
        verifier | {"valid_from": "2025-01-01", "valid_to": "2030-01-01"},
    ) == {"card_number": INVISIBLE}
    item = InstrumentFactory(owner=OrganisationFactory(code="OWN-ZW"), serial_number="SN-ZW")
    errors = refusal(record_verification, lab_technician, item, certificate_number=f"GCN{ZWSP}-1")
    assert errors == {"certificate_number": INVISIBLE}
    errors = refusal(record_verification, lab_technician, item, stamp_number=f"T{SOFT_HYPHEN}1")
    assert errors == {"stamp_number": INVISIBLE}


def test_plain_text_refuses_format_characters_but_the_joiners(english: None, department_officer: Any) -> None:
    # A right-to-left override in a name displays it as another name: refused, like a zero-width space.
    for name in (f"Công ty {RLO}ABC", f"Công{ZWSP}ty", f"Công ty{BOM}"):
        assert refusal(
            create_organisation, department_officer, code="EQ-NAME", name=name, kinds=["enterprise"]
        ) == {"name": INVISIBLE}
    # The joiners shape some scripts (and emoji): kept.
    organisation = create_organisation(
        department_officer, code="EQ-NAME", name=f"Công ty ک{ZWJ}ک\u200cی", kinds=["enterprise"]
    )
    assert ZWJ in organisation.name
    assert clean_text("dòng 1\r\ndòng 2\t", field="notes", max_length=20) == "dòng 1\ndòng 2"
    assert refusal(clean_text, "ghi chú\x1c", field="notes", max_length=20) == {"notes": INVISIBLE}


def test_lookups_never_fold_an_invisible_character_or_a_look_alike_letter(
    english: None, lab_technician: Any
) -> None:
    owner = OrganisationFactory(code="SX-1")
    InstrumentFactory(owner=owner, serial_number="LK-1")
    assert find_by_code(" sx-1 ") is owner
    for look_alike in ("SX-1\x1c", f"SX-1{ZWSP}", "ſX-1", "SX-1\n"):
        assert find_by_code(look_alike) is None, repr(look_alike)
        assert code_or_none(look_alike) is None
    assert [
        i.serial_number for i in lookup_instruments(lab_technician, owner="SX-1", serial_number="LK-1")
    ] == ["LK-1"]
    errors = refusal(lookup_instruments, lab_technician, owner="SX-1", serial_number=f"LK-1{ZWSP}")
    assert errors == {"serial_number": INVISIBLE}
    errors = refusal(
        record_event,
        lab_technician,
        {"owner": "SX-1", "serial_number": "LK-1\x1c", "kind": "verification_periodic"},
    )
    assert errors == {"serial_number": INVISIBLE}


def test_an_identifier_with_an_invisible_character_is_refused_through_the_api_and_the_form(
    api: Any, client: Any, auth: Any, enterprise_manager: Any
) -> None:
    body = {"type_code": "FUEL_DISPENSER", "serial_number": f"ZW-2{ZWSP}"}
    error = assert_error(api(enterprise_manager).post("/api/v1/instruments", json=body), 422)
    assert error["fields"] == {
        "serial_number": "Giá trị này chứa ký tự ẩn hoặc ký tự điều khiển: hãy xóa chúng."
    }
    logged_in(client, auth, enterprise_manager)
    page = post_form(
        client,
        "/instruments/new",
        {**body, "use": "legal", "state": "in_service", "funding": "own", "purpose": "other"},
    )
    assert page.status_code == 422
    assert field_errors(page.get_data(as_text=True)) == {"serial_number"}
    assert INVISIBLE in page.get_data(as_text=True)
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Instrument.id)).where(Instrument.serial_number.like("ZW-2%"))
        )
        == 0
    )


def test_clean_identifier_keeps_vietnamese_composed() -> None:
    decomposed = "KĐV-Nguye\u0302\u0303n"
    assert clean_identifier(decomposed, field="card_number", max_length=40) == "KĐV-Nguyễn"


# --- Dates ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-02-01", date(2026, 2, 1)),
        (" 2026-02-01 ", date(2026, 2, 1)),
        ("01/02/2026", date(2026, 2, 1)),
        ("1/2/2026", date(2026, 2, 1)),
        ("1900-01-01", date(1900, 1, 1)),
        ("31/12/2200", date(2200, 12, 31)),
    ],
)
def test_dates_are_read_as_iso_or_as_typed_in_vietnam(text: str, expected: date) -> None:
    assert clean_date(text, field="day") == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("20260101", "Enter a date as dd/mm/yyyy or YYYY-MM-DD."),
        ("2026-1-1", "Enter a date as dd/mm/yyyy or YYYY-MM-DD."),
        ("2026-W01-1", "Enter a date as dd/mm/yyyy or YYYY-MM-DD."),
        ("2026-01-01T00:00", "Enter a date as dd/mm/yyyy or YYYY-MM-DD."),
        ("２０２６-01-01", "Enter a date as dd/mm/yyyy or YYYY-MM-DD."),
        ("01/02/26", "Enter a date as dd/mm/yyyy or YYYY-MM-DD."),
        ("2026/02/01", "Enter a date as dd/mm/yyyy or YYYY-MM-DD."),
        (20260101, "Enter a date as dd/mm/yyyy or YYYY-MM-DD."),
        ("0001-01-01", "Enter a date from 01/01/1900 on."),
        ("31/12/1899", "Enter a date from 01/01/1900 on."),
        (date(1, 1, 1), "Enter a date from 01/01/1900 on."),
        ("2201-01-01", "Enter a date up to 31/12/2200."),
    ],
)
def test_dates_that_are_not_plausible_are_refused(english: None, value: object, message: str) -> None:
    assert refusal(clean_date, value, field="valid_to") == {"valid_to": message}


def test_a_day_in_the_past_cannot_be_in_the_future(english: None) -> None:
    tomorrow = local_today() + timedelta(days=1)
    assert clean_date(local_today(), field="issued_on", past=True) == local_today()
    assert refusal(clean_date, tomorrow.isoformat(), field="issued_on", past=True) == {"issued_on": FUTURE}
    assert clean_date(tomorrow.isoformat(), field="valid_to") == tomorrow


def test_the_catalogue_files_read_iso_extended_dates_only() -> None:
    assert iso_date("2024-07-01") == date(2024, 7, 1)
    for text in ("20240701", "2024-W27-1", "2024-7-1"):
        with pytest.raises(ValueError, match="YYYY-MM-DD"):
            iso_date(text)
    assert reference._date("2024-07-01") == "2024-07-01"


def test_implausible_dates_are_refused_by_every_service(
    english: None, enterprise_manager: Any, department_officer: Any, lab_technician: Any
) -> None:
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    values = {"type_code": "FUEL_DISPENSER", "serial_number": "D-1"}
    assert refusal(create_instrument, enterprise_manager, values | {"acquired_on": "0001-01-01"}) == {
        "acquired_on": "Enter a date from 01/01/1900 on."
    }
    assert refusal(create_instrument, enterprise_manager, values | {"acquired_on": tomorrow}) == {
        "acquired_on": FUTURE
    }
    assert refusal(create_instrument, enterprise_manager, values | {"acquired_on": "20200101"}) == {
        "acquired_on": "Enter a date as dd/mm/yyyy or YYYY-MM-DD."
    }
    lab = OrganisationFactory(code="LAB-DAY", provider=True)
    registration = {"certificate_number": "ĐK-1", "services": ["calibration"]}
    assert refusal(
        create_credential, department_officer, Registration, lab, registration | {"issued_on": tomorrow}
    ) == {"issued_on": FUTURE}
    item = InstrumentFactory(owner=OrganisationFactory(code="OWN-DAY"))
    assert refusal(record_verification, lab_technician, item, performed_on="0001-01-01") == {
        "performed_on": "Enter a date from 01/01/1900 on."
    }
    assert refusal(record_verification, lab_technician, item, performed_on=tomorrow) == {
        "performed_on": FUTURE
    }


def test_an_implausible_date_is_refused_through_the_api(api: Any, enterprise_manager: Any) -> None:
    response = api(enterprise_manager).post(
        "/api/v1/instruments",
        json={"type_code": "FUEL_DISPENSER", "serial_number": "D-2", "acquired_on": "0001-01-01"},
        headers={"Accept-Language": "en"},
    )
    assert assert_error(response, 422)["fields"] == {"acquired_on": "Enter a date from 01/01/1900 on."}


# --- Numbers ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("0.05", "0.05"),
        ("0,05", "0.05"),
        ("-12", "-12"),
        (".5", ".5"),
        (20, "20"),
        (0.1, "0.1"),
        (5e-05, "0.00005"),  # a JSON number: written out in full
        ("999999999999999.99", "999999999999999.99"),
    ],
)
def test_numbers_in_plain_notation_are_kept_as_written(value: object, stored: str) -> None:
    read = read_decimal(value, field="n")
    assert read is not None and read.text == stored


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1e999", NO_EXPONENT),
        ("5E-5", NO_EXPONENT),
        ("NaN", "Enter a number."),
        ("Infinity", "Enter a number."),
        ("-inf", "Enter a number."),
        (float("inf"), "Enter a number."),
        (float("nan"), "Enter a number."),
        (Decimal("NaN"), "Enter a number."),
        ("1_000", "Enter a number."),
        ("١٢", "Enter a number."),
        ("1 000", "Enter a number."),
        ("0x10", "Enter a number."),
        (True, "Enter a number."),
        ("1000000000000000", "Use at most 15 digits before the decimal point."),
        (10**15, "Use at most 15 digits before the decimal point."),
        (1e300, "Use at most 15 digits before the decimal point."),
    ],
)
def test_numbers_that_are_not_finite_plain_and_sane_are_refused(
    english: None, value: object, message: str
) -> None:
    assert refusal(read_decimal, value, field="n") == {"n": message}


def test_measurement_points_are_finite_numbers_named_by_their_row_from_1(english: None) -> None:
    errors = refusal(clean_points, [{"nominal": "1"}, {"nominal": "1e999", "as_found": "NaN"}, "x"])
    assert errors == {
        "measurement_points.2.nominal": NO_EXPONENT,
        "measurement_points.2.as_found": "Enter a number.",
        "measurement_points.3": "Each measurement point is an object of numbers and a unit.",
    }
    assert clean_points([{"nominal": 1e-05, "as_found": "0,0001", "unit": "g"}]) == [
        {"nominal": "0.00001", "as_found": "0.0001", "unit": "g"}
    ]


def test_shares_of_capital_are_read_as_every_decimal_is(english: None) -> None:
    assert clean_percent("12,5", field="pct") == Decimal("12.50")
    assert clean_percent(12.5, field="pct") == Decimal("12.50")
    assert refusal(clean_percent, "1e1", field="pct") == {"pct": NO_EXPONENT}
    for value in ("NaN", "Infinity", "1_0", "١٢", float("nan"), True):
        assert refusal(clean_percent, value, field="pct") == {"pct": "Enter a number from 0 to 100."}


def test_a_measurement_point_in_exponent_notation_is_refused_through_the_api_and_the_form(
    api: Any, client: Any, auth: Any, lab_technician: Any
) -> None:
    InstrumentFactory(owner=OrganisationFactory(code="OWN-PT"), serial_number="SN-PT")
    body = {
        "owner": "OWN-PT",
        "serial_number": "SN-PT",
        "kind": "verification_periodic",
        "performed_on": (local_today() - timedelta(days=3)).isoformat(),
        "result": "pass",
        "certificate_number": "GCN-PT",
        "stamp_number": "T-PT",
        "verifier": f"KĐV-{lab_technician.organisation.code}",
    }
    points = [{"nominal": "20", "as_found": "20.01"}, {"nominal": "1e999"}, "x"]
    response = api(lab_technician).post(
        "/api/v1/events", json=body | {"measurement_points": points}, headers={"Accept-Language": "en"}
    )
    fields = assert_error(response, 422)["fields"]
    assert fields == {
        "measurement_points.2.nominal": NO_EXPONENT,
        "measurement_points.3": "Each measurement point is an object of numbers and a unit.",
    }
    logged_in(client, auth, lab_technician)
    form = {key: value for key, value in body.items() if key != "verifier"}
    form |= {"verifier_card": body["verifier"], "points-0-nominal": "20", "points-1-nominal": "1e999"}
    page = post_form(client, "/events/new", form)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert field_errors(html) == {"points-1-nominal"}  # the second row, as the form shows it
    assert "without an exponent" in html


# --- Whole numbers ----------------------------------------------------------------------------------------


def test_whole_numbers_in_the_api_are_json_integers_and_list_entries_count_from_1(
    api: Any, lab_technician: Any, enterprise_manager: Any, department_officer: Any
) -> None:
    owner = OrganisationFactory(code="OWN-INT")
    item = InstrumentFactory(owner=owner, serial_number="SN-INT")
    event = record_verification(lab_technician, item)
    db.session.commit()
    lab = api(lab_technician)
    english = {"Accept-Language": "en"}
    answers = [
        lab.post(f"/api/v1/events/{event.id}/void", json={"reason": "x", "version": "1"}, headers=english),
        lab.post("/api/v1/events", json={"item": "589", "kind": "calibration"}, headers=english),
        api(enterprise_manager).post(
            "/api/v1/instruments",
            json={"type_code": "FUEL_DISPENSER", "serial_number": "I-1", "interval_months": "12"},
            headers=english,
        ),
    ]
    assert [assert_error(answer, 422)["fields"] for answer in answers] == [
        {"version": WHOLE},
        {"item": WHOLE},
        {"interval_months": WHOLE},
    ]
    response = lab.post(
        "/api/v1/events",
        json={"item": item.id, "kind": "calibration", "standards_used": [1, "2"]},
        headers=english,
    )
    assert assert_error(response, 422)["fields"] == {"standards_used.2": WHOLE}
    response = api(department_officer).post(
        "/api/v1/organisations",
        json={"code": "EQ-L", "name": "n", "kinds": ["enterprise"], "sectors": ["Xăng", 7]},
        headers=english,
    )
    assert assert_error(response, 422)["fields"] == {"sectors.2": "Enter text."}


def test_whole_numbers_in_a_form_are_digits_only(client: Any, auth: Any, enterprise_manager: Any) -> None:
    item = InstrumentFactory(owner=enterprise_manager.organisation, serial_number="SN-F")
    logged_in(client, auth, enterprise_manager)
    path = f"/instruments/{item.id}/edit"
    base = {
        "type_code": "FUEL_DISPENSER",
        "serial_number": "SN-F",
        "use": "legal",
        "state": "in_service",
        "funding": "own",
        "purpose": "other",
        "reason": "Sửa",
    }
    for version in ("+1", "١", "1_0", "abc"):
        page = post_form(client, path, base | {"version": version})
        assert page.status_code == 422, version
        assert WHOLE in page.get_data(as_text=True), version
        assert "Not a valid integer value" not in page.get_data(as_text=True)
    page = post_form(client, path, base | {"version": str(item.version), "interval_months": "1_2"})
    assert page.status_code == 422
    assert field_errors(page.get_data(as_text=True)) == {"interval_months"}
    page = post_form(client, path, base | {"version": str(item.version), "interval_months": " 6 "})
    assert page.status_code == 302
    db.session.expire_all()
    assert db.session.get(Instrument, item.id).interval_months == 6


def test_the_version_field_is_answered_in_vietnamese_by_default(
    client: Any, auth: Any, enterprise_manager: Any
) -> None:
    item = InstrumentFactory(owner=enterprise_manager.organisation, serial_number="SN-V")
    logged_in(client, auth, enterprise_manager, language="")
    path = f"/instruments/{item.id}/edit"
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    page = client.post(
        path,
        data={
            "csrf_token": token,
            "type_code": "FUEL_DISPENSER",
            "serial_number": "SN-V",
            "reason": "Sửa",
            "version": "x",
        },
    )
    assert page.status_code == 422
    assert "Hãy nhập một số nguyên." in page.get_data(as_text=True)
