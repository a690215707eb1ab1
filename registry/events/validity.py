"""How long a result is valid: the Civil Code's month arithmetic and the rule that sets the period.

Civil Code 2015, Art. 147–148: a period of months ends on the corresponding day of its last month, or on
that month's last day when it has no such day (2024-02-29 + 12 months → 2025-02-28).
"""

from __future__ import annotations

import calendar
from datetime import date

from flask_babel import lazy_gettext as _l

from registry.catalogue.models import InstrumentType
from registry.core.errors import ServiceError


def add_months(start: date, months: int) -> date:
    """``start`` plus ``months`` calendar months, by the Civil Code's rule."""
    if months < 0:
        raise ValueError("a period cannot be negative")
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def limited(computed: date | None, stated: date | None, performed_on: date) -> date | None:
    """The date printed on the certificate when the lab gave one ("Hiệu lực đến ngày …": many labs print
    one day less than the period): it may be earlier than the computed date, the upper limit, never later.
    With no computed date (an initial verification valid for the instrument's life) none may be given."""
    if stated is None:
        return computed
    if computed is None:
        raise ServiceError(
            {
                "valid_until": _l(
                    "This type has no periodic verification: a passed verification is valid for the "
                    "instrument's life. Give no validity date."
                )
            }
        )
    if stated < performed_on:
        raise ServiceError({"valid_until": _l("The validity cannot end before the event.")})
    if stated > computed:
        raise ServiceError(
            {
                "valid_until": _l(
                    "The rule allows validity until %(date)s at the latest.",
                    date=computed.strftime("%d/%m/%Y"),
                )
            }
        )
    return stated


def verification_valid_until(instrument_type: InstrumentType, performed_on: date) -> date | None:
    """A passed verification's computed validity: the cycle of the legal rule in force on
    ``performed_on`` (a taximeter verified in 2019 had 12 months, one verified in 2024 has 18). None when
    that rule has no periodic verification: valid for the instrument's life (Circular 23/2013, Appendix:
    initial verification only). The caller has checked that a rule is in force that day."""
    rule = instrument_type.rule_on(performed_on)
    assert rule is not None, "a Group 2 verification needs the rule in force that day"
    if rule.cycle_months is None:
        return None
    return add_months(performed_on, rule.cycle_months)


def calibration_valid_until(interval_months: int | None, performed_on: date) -> date:
    """A calibration's computed validity (and any result of a Group 1 item): the owner's interval for the
    item (ISO/IEC 17025 §7.8.4.3: the lab does not set it)."""
    if interval_months is None:
        raise ServiceError(
            {"interval_months": _l("Set the item's calibration interval before recording a calibration.")}
        )
    return add_months(performed_on, interval_months)
