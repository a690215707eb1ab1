"""Validity arithmetic (Civil Code 2015 Art. 147–148) and the rule that sets each period."""

from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.catalogue.services import get_instrument_type
from registry.core.errors import ServiceError
from registry.events.validity import add_months, calibration_valid_until, limited, verification_valid_until

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
months = st.integers(min_value=0, max_value=240)


@pytest.mark.parametrize(
    "start, n, expected",
    [
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # DESIGN's example: no 29 February in 2025
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 3, 31), 6, date(2025, 9, 30)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2019, 6, 1), 18, date(2020, 12, 1)),
        (date(2025, 5, 20), 0, date(2025, 5, 20)),
    ],
)
def test_months_end_on_the_corresponding_day_or_the_months_last(start, n, expected):
    assert add_months(start, n) == expected


@given(days, months)
def test_the_result_is_n_calendar_months_later(start, n):
    end = add_months(start, n)
    assert (end.year - start.year) * 12 + end.month - start.month == n


@given(days, months)
def test_the_day_is_kept_unless_the_month_is_too_short(start, n):
    end = add_months(start, n)
    assert end.day == min(start.day, calendar.monthrange(end.year, end.month)[1])


@given(days, days, months)
def test_a_later_event_never_expires_earlier(first, second, n):
    early, late = sorted((first, second))
    assert add_months(early, n) <= add_months(late, n)


@given(days, months, months)
def test_two_steps_never_run_past_one(start, a, b):
    assert add_months(add_months(start, a), b) <= add_months(start, a + b)


def test_a_negative_period_is_refused():
    with pytest.raises(ValueError):
        add_months(date(2025, 1, 1), -1)


def test_verification_uses_the_rule_in_force_on_the_event_date():
    taximeter = get_instrument_type("TAXIMETER")
    assert verification_valid_until(taximeter, date(2019, 6, 1)) == date(2020, 6, 1)  # 12 months then
    assert verification_valid_until(taximeter, date(2024, 2, 29)) == date(2025, 8, 29)  # 18 months now


def test_a_verifier_may_state_an_earlier_date_never_a_later_one(english):
    dispenser = get_instrument_type("FUEL_DISPENSER")
    computed = verification_valid_until(dispenser, date(2025, 3, 1))
    assert computed == date(2026, 3, 1)
    assert limited(computed, date(2025, 12, 31), date(2025, 3, 1)) == date(2025, 12, 31)
    assert limited(computed, date(2026, 2, 28), date(2025, 3, 1)) == date(2026, 2, 28)  # a day less
    with pytest.raises(ServiceError) as caught:
        limited(computed, date(2026, 3, 2), date(2025, 3, 1))
    assert "01/03/2026" in str(caught.value.fields["valid_until"])
    with pytest.raises(ServiceError):
        limited(computed, date(2025, 2, 1), date(2025, 3, 1))


def test_a_type_without_periodic_verification_gets_no_due_date():
    tape = get_instrument_type("TAPE_MEASURE")  # initial verification only
    assert verification_valid_until(tape, date(2025, 3, 1)) is None
    with pytest.raises(ServiceError):
        limited(None, date(2026, 3, 1), date(2025, 3, 1))


def test_group_2_membership_follows_the_rule_in_force_that_day():
    induction = get_instrument_type("ENERGY_METER_1P_IND")  # left the list on 2024-10-15 (TT 03/2024)
    assert induction.group2_on(date(2024, 10, 14)) and not induction.group2_on(date(2024, 10, 15))
    assert verification_valid_until(induction, date(2024, 10, 14)) == date(2029, 10, 14)
    charger = get_instrument_type("EV_CHARGER_AC_CAR")  # joined on 2024-10-15
    assert not charger.group2_on(date(2024, 10, 14)) and charger.group2_on(date(2024, 10, 15))


def test_calibration_uses_the_owners_interval():
    assert calibration_valid_until(12, date(2024, 2, 29)) == date(2025, 2, 28)
    with pytest.raises(ServiceError) as caught:
        calibration_valid_until(None, date(2024, 2, 29))
    assert "interval_months" in caught.value.fields
