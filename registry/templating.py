"""Values every template can use."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from registry.auth import policy
from registry.auth.forms import LanguageForm, LogoutForm
from registry.auth.policy import Permission
from registry.i18n import select_locale
from registry.organisations.labels import KIND_LABELS
from registry.organisations.models import OrganisationUsers

AUDIT_ACTION_LABELS = {
    "create": _l("Created"),
    "update": _l("Changed"),
    "delete": _l("Deleted"),
    "void": _l("Voided"),
}


def init_templating(app: Flask) -> None:
    @app.context_processor
    def _layout_values() -> dict[str, Any]:
        values: dict[str, Any] = {
            "current_locale": select_locale(),
            # formdata=None (here and below): these forms are only shown, so they never read the request's
            # body, which may be what the page is about (an upload too large, a body that cannot be read).
            "language_form": LanguageForm(
                formdata=None, lang=select_locale(), next=request.full_path.rstrip("?")
            ),
            "kind_labels": KIND_LABELS,
            "audit_action_labels": AUDIT_ACTION_LABELS,
        }
        if current_user.is_authenticated:
            values["logout_form"] = LogoutForm(formdata=None)
            # The links to an organisation's users (the account menu's, for the user's own organisation).
            values["sees_users"] = lambda organisation: policy.permits(
                current_user, OrganisationUsers(organisation), Permission.SEE_USERS
            )
        return values
