"""The demo province: the Department, four labs with their credentials (and VMI, at the top of the
traceability chains), thirty enterprises across the districts with about 580 instruments, the labs'
standards and reference materials, one login per role.

Everything goes through the services, so the demo obeys the same rules as real input.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from sqlalchemy import func, select
from stdnum.vn import mst

from registry.auth.models import Role, User
from registry.auth.policy import Actor
from registry.auth.services import create_user
from registry.core.dates import today_is
from registry.demo.activities import load_activities
from registry.demo.data import INSTRUMENT_PROFILES, ORGANISATIONS, REFERENCE_MATERIALS, STANDARDS
from registry.demo.events import ENERGY_TYPES, load_history
from registry.extensions import db
from registry.items.services import create_instrument, create_reference_material, create_standard
from registry.organisations.credentials import services as credentials
from registry.organisations.models import Accreditation, Designation, Organisation, Registration, Verifier
from registry.organisations.services import create_organisation

# Shown by `make run` and in the README; demo databases only.
DEMO_PASSWORD = "Kontum-demo-2026"  # noqa: S105

DEMO_USERS = [
    ("admin@skhcn.demo", "SKHCN-KT", Role.DEPARTMENT_ADMIN, "Nguyễn Văn An"),
    ("officer@skhcn.demo", "SKHCN-KT", Role.DEPARTMENT_OFFICER, "Trần Thị Bình"),
    ("manager@lab.demo", "TTKT-KT", Role.PROVIDER_MANAGER, "Lê Văn Cường"),
    ("technician@lab.demo", "TTKT-KT", Role.PROVIDER_TECHNICIAN, "Phạm Thị Dung"),
    ("manager@water.demo", "CTN-KT", Role.ENTERPRISE_MANAGER, "Hoàng Văn Em"),
    ("viewer@water.demo", "CTN-KT", Role.ENTERPRISE_VIEWER, "Võ Thị Phương"),
    ("manager@kdtn.demo", "KDTN", Role.PROVIDER_MANAGER, "Đinh Thị Mai"),
]

# The demo's "today": its dates are fixed so that the same demo comes out on every machine.
DEMO_TODAY = date(2026, 11, 24)


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count(Organisation.id)))


def _tax_code(number: int) -> str:
    """A valid Kon Tum-style tax code (61…) with its check digit; fictional."""
    while True:
        base = f"61{number:07d}"
        check = mst.calc_check_digit(base)
        if len(check) == 1:  # some bases have no check digit (it would be 10): take the next one
            return base + check
        number += 1


def _organisations(actor: Actor) -> dict[str, Organisation]:
    created = {}
    for number, (
        code,
        name,
        kinds,
        district,
        address,
        state,
        foreign,
        public,
        sectors,
        _profile,
    ) in enumerate(ORGANISATIONS, start=1):
        created[code] = create_organisation(
            actor,
            code=code,
            name=name,
            kinds=kinds,
            tax_code=_tax_code(number * 7919),
            address=address,
            admin_unit=district,
            state_capital_pct=state,
            foreign_capital_pct=foreign,
            public_unit=public,
            sectors=sectors,
        )
    return created


def _users(actor: Actor, organisations: dict[str, Organisation]) -> dict[str, User]:
    return {
        email: create_user(
            actor,
            email,
            organisation=organisations[org_code],
            roles={role},
            password=DEMO_PASSWORD,
            name=name,
        )
        for email, org_code, role, name in DEMO_USERS
    }


DESIGNATED_TYPES = [
    "FUEL_DISPENSER", "TANK_GAUGE", "CAPACITY_MEASURE", "WATER_METER_MECH", "WATER_METER_ELEC",
    "SCALE_SPRING_DIAL", "SCALE_PLATFORM_COUNTER", "SCALE_VEHICLE", "SCALE_CRANE", "TAXIMETER",
    "SPHYGMOMANOMETER", "THERMOMETER_CLINICAL_ELEC", "BALANCE_PRECISION", "BALANCE_ANALYTICAL",
]  # fmt: skip


def _credentials(organisations: dict[str, Organisation], admin: User, lab_manager: User) -> None:
    lab, quatest, private_lab, power_lab = (
        organisations[code] for code in ("TTKT-KT", "QUATEST3", "KDTN", "DLKT-LAB")
    )
    for number, (provider, services) in enumerate(
        [
            (lab, ["verification", "calibration", "testing"]),
            (quatest, ["verification", "calibration", "testing"]),
            (private_lab, ["verification", "calibration"]),
            (power_lab, ["verification"]),
        ],
        start=1,
    ):
        credentials.create_credential(
            admin,
            Registration,
            provider,
            {
                "certificate_number": f"{number * 17}/ĐK-TĐC",
                "services": services,
                "fields": "Đo lường: khối lượng, dung tích, lưu lượng, điện, áp suất, nhiệt độ",
                "issued_on": date(2017 + number, 3, 1 + number),
            },
        )
    credentials.create_credential(admin, Registration, organisations["VMI"], {
        "certificate_number": "01/ĐK-TĐC", "services": ["calibration", "testing"],
        "fields": "Đo lường: chuẩn quốc gia, hiệu chuẩn chuẩn chính", "issued_on": date(2015, 1, 5),
    })  # fmt: skip
    credentials.create_credential(admin, Accreditation, organisations["VMI"], {
        "scheme": "ISO/IEC 17025", "body": "BoA", "number": "VILAS 001",
        "scope": [{"quantity": "mass", "range": "1 mg – 50 kg", "cmc": "0,005 mg"},
                  {"quantity": "volume", "range": "0,01 – 100 m³/h", "cmc": "0,05 %"},
                  {"quantity": "pressure", "range": "0 – 1000 bar", "cmc": "0,005 %"}],
        "valid_from": date(2019, 1, 1), "valid_to": date(2028, 12, 31),
    })  # fmt: skip
    credentials.create_credential(admin, Accreditation, lab, {
        "scheme": "ISO/IEC 17025", "body": "BoA", "number": "VILAS 216",
        "scope": [{"quantity": "mass", "range": "1 mg – 20 kg", "cmc": "0,05 mg"},
                  {"quantity": "volume", "range": "2 L – 1000 L", "cmc": "0,02 %"}],
        "valid_from": date(2023, 6, 1), "valid_to": date(2026, 12, 31),
    })  # fmt: skip
    credentials.create_credential(admin, Accreditation, quatest, {
        "scheme": "ISO/IEC 17025", "body": "BoA", "number": "VILAS 004",
        "scope": [{"quantity": "pressure", "range": "0 – 700 bar", "cmc": "0,01 %"},
                  {"quantity": "mass", "range": "1 mg – 50 kg", "cmc": "0,02 mg"},
                  {"quantity": "volume", "range": "1 L – 2000 L", "cmc": "0,01 %"}],
        "valid_from": date(2024, 1, 15), "valid_to": date(2029, 1, 14),
    })  # fmt: skip
    credentials.create_credential(admin, Designation, lab, {
        "decision_number": "1234/QĐ-TĐC", "type_codes": DESIGNATED_TYPES,
        "valid_from": date(2021, 1, 1), "valid_to": date(2027, 12, 31),
    })  # fmt: skip
    credentials.create_credential(admin, Designation, power_lab, {
        "decision_number": "456/QĐ-TĐC", "type_codes": sorted(ENERGY_TYPES),
        "valid_from": date(2021, 7, 1), "valid_to": date(2026, 6, 30),
    })  # fmt: skip
    for name, card, valid_from, valid_to in (
        ("Nguyễn Thành Công", "KĐV-0231", date(2020, 6, 1), date(2027, 5, 31)),
        ("Lê Thị Hồng", "KĐV-0232", date(2021, 12, 16), date(2026, 12, 15)),
        ("Trần Quốc Việt", "KĐV-0198", date(2020, 10, 1), date(2025, 9, 30)),
    ):
        credentials.create_credential(
            admin,
            Verifier,
            lab,
            {
                "name": name,
                "card_number": card,
                "type_codes": DESIGNATED_TYPES,
                "valid_from": valid_from,
                "valid_to": valid_to,
            },
        )
    credentials.create_credential(admin, Verifier, power_lab, {
        "name": "Đỗ Văn Điện", "card_number": "KĐV-0410", "type_codes": sorted(ENERGY_TYPES),
        "valid_from": date(2021, 7, 1), "valid_to": date(2026, 6, 30),
    })  # fmt: skip
    # A lab's own entry, waiting for the Department to confirm it.
    credentials.create_credential(lab_manager, Verifier, private_lab, {
        "name": "Đinh Văn Phúc", "card_number": "KĐV-0305", "type_codes": ["FUEL_DISPENSER", "SCALE_VEHICLE"],
        "valid_from": date(2023, 4, 1), "valid_to": date(2028, 3, 31),
    })  # fmt: skip


def _instruments(actor: Actor, organisations: dict[str, Organisation], rng: random.Random) -> int:
    count = 0
    for code, *_rest, profile in ORGANISATIONS:
        if profile is None:
            continue
        owner = organisations[code]
        for type_code, how_many, manufacturer, model in INSTRUMENT_PROFILES[profile]:
            for number in range(1, how_many + 1):
                acquired = date(rng.randint(2012, 2026), rng.randint(1, 12), rng.randint(1, 28))
                internal = profile in {"coffee", "rubber"} and type_code.startswith("BALANCE")
                values: dict[str, Any] = {
                    "owner": owner.code,
                    "type_code": type_code,
                    "serial_number": f"{model.split()[0][:3].upper()}{acquired.year % 100:02d}-{number:05d}",
                    "manufacturer": manufacturer,
                    "model": model,
                    "use": "internal" if internal else "legal",
                    "interval_months": 12 if internal else None,
                    "funding": "socialised" if profile == "market" and number <= 2 else "own",
                    "purpose": "measurement_assurance" if internal else "service",
                    "acquired_on": min(acquired, DEMO_TODAY),
                }
                create_instrument(actor, values)
                count += 1
    return count


def _standards_and_materials(actor: Actor) -> None:
    for (owner, name, level, quantity, serial, measuring_range, uncertainty, interval, funding, purpose,
         acquired, traceable_to) in STANDARDS:  # fmt: skip
        create_standard(
            actor,
            {"owner": owner, "name": name, "level": level, "quantity": quantity, "serial_number": serial,
             "range": measuring_range, "uncertainty": uncertainty, "interval_months": interval,
             "funding": funding, "purpose": purpose, "acquired_on": acquired,
             "traceable_to": traceable_to},
        )  # fmt: skip
    for (owner, name, producer, iso17034, lot, value, uncertainty, unit, expiry, funding, purpose,
         acquired) in REFERENCE_MATERIALS:  # fmt: skip
        create_reference_material(
            actor,
            {"owner": owner, "name": name, "producer": producer, "producer_iso17034": iso17034, "lot": lot,
             "certified_value": value, "uncertainty": uncertainty, "unit": unit,
             "expiry_date": expiry, "funding": funding, "purpose": purpose,
             "acquired_on": acquired},
        )  # fmt: skip


def load_demo(actor: Actor) -> dict[str, int]:
    """Load the demo into an empty database, as if on :data:`DEMO_TODAY`; flushes, the caller commits."""
    rng = random.Random(2021)  # noqa: S311 - demo data, not security
    with today_is(DEMO_TODAY):
        organisations = _organisations(actor)
        users = _users(actor, organisations)
        _credentials(organisations, users["admin@skhcn.demo"], users["manager@kdtn.demo"])
        instruments = _instruments(actor, organisations, rng)
        _standards_and_materials(actor)
        events = load_history(actor, rng, DESIGNATED_TYPES)
        activities = load_activities(actor)
    db.session.flush()
    return {
        "organisations": len(organisations),
        "users": len(users),
        "instruments": instruments,
        "standards": len(STANDARDS),
        "reference_materials": len(REFERENCE_MATERIALS),
        "events": events,
        "activities": activities,
    }
