"""A calibration's stated uncertainty against the lab's accredited CMC (ILAC P14): below it, the certificate
is recorded and marked, naming the scope entry; the scope's range and CMC must read as numbers with units."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
import sqlalchemy as sa

from registry.core.errors import ServiceError
from registry.events.recording import record_event
from registry.extensions import db
from registry.organisations.credentials.scope import factor, read_range
from registry.organisations.credentials.services import create_credential
from registry.organisations.models import Accreditation
from tests.factories import AccreditationFactory, InstrumentFactory, StandardFactory, record_verification
from tests.helpers import days_ago, logged_in

_numbers = itertools.count(1)


def calibrate(user, item, points, **values):
    return record_event(
        user,
        {
            "item": item,
            "kind": "calibration",
            "performed_on": days_ago(5),
            "result": "pass",
            "certificate_number": f"HC-CMC-{next(_numbers)}",
            "measurement_points": points,
        }
        | values,
    )


def point(nominal: str, uncertainty: str, unit: str = "g") -> list[dict[str, str]]:
    return [{"nominal": nominal, "uncertainty": uncertainty, "unit": unit}]


def test_an_uncertainty_below_the_accredited_cmc_is_recorded_and_marked_naming_the_scope(lab_technician):
    # The lab's accreditation (factories.give_credentials): mass, 1 mg – 50 kg, CMC 0.1 mg.
    (accreditation,) = db.session.scalars(
        sa.select(Accreditation).where(Accreditation.organisation_id == lab_technician.organisation_id)
    )
    weight = StandardFactory()
    marked = calibrate(lab_technician, weight, [{"nominal": "10", "unit": "g"}, *point("1000", "0,00005")])
    assert marked.below_cmc == {
        "accreditation": accreditation.number,
        "quantity": "mass",
        "range": "1 mg – 50 kg",
        "cmc": "0.1 mg",
        "point": 2,
        "nominal": "1000",
        "uncertainty": "0.00005",
        "unit": "g",
    }
    assert calibrate(lab_technician, weight, point("1000", "0.0001")).below_cmc is None  # at the CMC
    assert calibrate(lab_technician, weight, point("0.5", "0.01", "kg")).below_cmc is None
    # Outside the accredited range, or in units the scope does not give: nothing to compare with.
    assert calibrate(lab_technician, weight, point("100", "0.00001", "kg")).below_cmc is None
    assert calibrate(lab_technician, weight, point("1000", "0.00001", "N")).below_cmc is None


def test_a_relative_cmc_scales_with_the_value_and_only_calibrations_are_checked(lab_technician):
    AccreditationFactory(
        organisation=lab_technician.organisation,
        valid_from=days_ago(400),
        scope=[{"quantity": "pressure", "range": "0 – 700 bar", "cmc": "0,01 %"}],
    )
    gauge = StandardFactory(quantity="pressure")
    assert calibrate(lab_technician, gauge, point("500", "0.04", "bar")).below_cmc["cmc"] == "0,01 %"
    assert calibrate(lab_technician, gauge, point("500", "0.05", "bar")).below_cmc is None
    verified = record_verification(
        lab_technician, InstrumentFactory(), measurement_points=point("20", "0.00001", "L")
    )
    assert verified.below_cmc is None


def test_the_scopes_range_and_cmc_read_as_numbers_with_units(lab_technician, department_admin):
    assert read_range("-40 – 150 °C")[0].value == -40
    assert factor("mg", "kg") == Decimal("0.000001")
    lab = lab_technician.organisation
    base = {
        "scheme": "ISO/IEC 17025",
        "number": "VILAS 999",
        "valid_from": "2024-01-01",
        "valid_to": "2027-01-01",
    }
    for entry, wrong in (
        ({"quantity": "mass", "range": "up to 50 kg", "cmc": "0.1 mg"}, "phạm vi đo"),
        ({"quantity": "mass", "range": "1 mg – 50 kg", "cmc": "about a tenth of a mg"}, "CMC"),
    ):
        with pytest.raises(ServiceError) as refused:
            create_credential(department_admin, Accreditation, lab, base | {"scope": [entry]})
        assert wrong in str(refused.value.fields["scope"])
    kept = create_credential(
        department_admin, Accreditation, lab, base | {"scope": [{"quantity": "mass", "range": "", "cmc": ""}]}
    )
    assert kept.scope == [{"quantity": "mass", "range": "", "cmc": ""}]


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "smaller than the CMC 0.1 mg of the accredited scope"), ("vi", "nhỏ hơn CMC 0.1 mg")],
)
def test_the_event_page_and_the_api_say_so(client, auth, api, lab_technician, language, words):
    event = calibrate(lab_technician, StandardFactory(), point("1000", "0.00005"))
    page = logged_in(client, auth, lab_technician, language).get(f"/events/{event.id}").get_data(as_text=True)
    assert words in page
    answer = api(lab_technician).get(f"/api/v1/events/{event.id}").get_json()
    assert answer["below_cmc"]["accreditation"].startswith("VILAS")
