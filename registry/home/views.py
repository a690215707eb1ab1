from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from registry.auth.models import DEPARTMENT_ROLES, ENTERPRISE_ROLES, PROVIDER_ROLES

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index() -> str:
    """One dashboard, with a panel for each hat the user wears (a lab can also own instruments)."""
    return render_template(
        "home/index.html",
        is_department=current_user.has_role(*DEPARTMENT_ROLES),
        is_provider=current_user.has_role(*PROVIDER_ROLES),
        is_enterprise=current_user.has_role(*ENTERPRISE_ROLES),
    )


@bp.route("/healthz")
def health() -> dict[str, str]:
    return {"status": "ok"}
