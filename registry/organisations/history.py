"""How an organisation's audit trail reads on its page: field labels, kinds as words, the administrative
unit by name, and the derived search column left out."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from registry.audit.readable import Vocabulary
from registry.catalogue.models import AdminUnit

VOCABULARY = Vocabulary(
    labels={
        "code": _l("Code"),
        "name": _l("Name"),
        "is_department": _l("Department"),
        "is_enterprise": _l("Enterprise"),
        "is_provider": _l("Service provider"),
        "tax_code": _l("Tax code"),
        "address": _l("Address"),
        "admin_unit_id": _l("Administrative unit"),
        "state_capital_pct": _l("State capital (%)"),
        "foreign_capital_pct": _l("Foreign capital (%)"),
        "public_unit": _l("Public unit (a hospital, a school…)"),
        "sectors": _l("Sectors"),
    },
    references={"admin_unit_id": AdminUnit},
)
