"""Words for roles and account states, for the templates, the forms and the e-mails."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# Keyed by the roles' values: which role may be given is the policy's to say, not this table's.
ROLE_LABELS = {
    "department_admin": _l("Department administrator"),
    "department_officer": _l("Department officer"),
    "provider_manager": _l("Lab manager"),
    "provider_technician": _l("Lab technician"),
    "enterprise_manager": _l("Enterprise manager"),
    "enterprise_viewer": _l("Enterprise viewer"),
}
STATE_LABELS = {
    "active": _l("Active"),
    "invited": _l("Invited"),
    "invitation_expired": _l("Invitation expired"),
    "disabled": _l("Disabled"),
}
STATE_BADGES = {
    "active": "text-bg-success",
    "invited": "text-bg-info",
    "invitation_expired": "text-bg-warning",
    "disabled": "text-bg-secondary",
}
