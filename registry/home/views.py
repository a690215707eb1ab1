"""The home page: each role's instruments and standards by status, and a health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from registry.auth import policy
from registry.items.models import ItemKind
from registry.items.services import status_tally
from registry.items.status import STATUS_CLASSES, STATUS_LABELS

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index() -> str:
    """One dashboard, with a panel for each hat the user wears (a lab can also own instruments)."""
    return render_template(
        "home/index.html",
        is_department=policy.is_department(current_user),
        is_provider=policy.is_lab_staff(current_user),
        is_enterprise=policy.is_enterprise_staff(current_user),
        instrument_counts=status_tally(current_user, ItemKind.INSTRUMENT),
        standard_counts=status_tally(current_user, ItemKind.STANDARD),
        status_labels=STATUS_LABELS,
        status_classes=STATUS_CLASSES,
    )


@bp.route("/healthz")
def health() -> dict[str, str]:
    return {"status": "ok"}
