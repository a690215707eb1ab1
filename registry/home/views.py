from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from registry.auth.models import DEPARTMENT_ROLES, ENTERPRISE_ROLES, PROVIDER_ROLES
from registry.items.access import visible_condition
from registry.items.models import Item, ItemKind
from registry.items.status import STATUS_CLASSES, STATUS_LABELS, local_today, status_counts

bp = Blueprint("home", __name__)


def _counts(kind: ItemKind) -> dict[str, int]:
    """How many of the items of ``kind`` the user may see have each status today."""
    conditions = [Item.kind == kind.value]
    visible = visible_condition(current_user)
    if visible is not None:
        conditions.append(visible)
    return {status.value: count for status, count in status_counts(conditions, local_today()).items()}


@bp.route("/")
@login_required
def index() -> str:
    """One dashboard, with a panel for each hat the user wears (a lab can also own instruments)."""
    return render_template(
        "home/index.html",
        is_department=current_user.has_role(*DEPARTMENT_ROLES),
        is_provider=current_user.has_role(*PROVIDER_ROLES),
        is_enterprise=current_user.has_role(*ENTERPRISE_ROLES),
        instrument_counts=_counts(ItemKind.INSTRUMENT),
        standard_counts=_counts(ItemKind.STANDARD),
        status_labels=STATUS_LABELS,
        status_classes=STATUS_CLASSES,
    )


@bp.route("/healthz")
def health() -> dict[str, str]:
    return {"status": "ok"}
