"""The home page of each role (an enterprise's items needing action, due dates and certificates; a lab's
work queue; the Department's inspection list and registry-wide search), a health check, and security.txt."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from registry.auth import policy
from registry.core.dates import local_today
from registry.core.errors import ServiceError
from registry.core.export import FORMATS, export_response
from registry.home import services
from registry.home.organisation import organisation_overview
from registry.home.search import search_registry
from registry.items.export import columns
from registry.items.models import ItemKind
from registry.items.services import status_tally
from registry.items.status import STATUS_CLASSES, STATUS_LABELS
from registry.notifications.digest import DIGEST_STATUSES
from registry.notifications.entries import entries
from registry.notifications.services import latest
from registry.organisations.labels import template_labels
from registry.plan.services import visible_plans

bp = Blueprint("home", __name__)

URI_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:", re.IGNORECASE)


@bp.app_context_processor
def _home_helpers() -> dict[str, Any]:
    return {
        "organisation_overview": organisation_overview,
        "organisation_status_labels": STATUS_LABELS,
        "organisation_status_classes": STATUS_CLASSES,
        "member_roles": policy.roles_of,
    }


@bp.route("/")
@login_required
def index() -> str:
    """One dashboard, with a panel for each hat the user wears (a lab can also own instruments)."""
    today = local_today()
    is_department = policy.is_department(current_user)
    is_provider = policy.is_lab_staff(current_user)
    is_enterprise = policy.is_enterprise_staff(current_user)
    context: dict[str, Any] = {}
    if is_enterprise:
        context |= {
            "attention": services.needing_action(current_user, today),
            "what_to_do": services.WHAT_TO_DO,
            "timeline": services.due_timeline(current_user, today),
            "certificates": services.recent_certificates(current_user),
        }
    if is_provider:
        context |= {
            "queue": services.work_queue(current_user, today),
            "standards_care": services.standards_needing_care(current_user, today),
            "credentials": services.own_credentials(current_user, today),
            "recent_events": services.recent_events(current_user),
            "credential_kinds": services.CREDENTIAL_KINDS,
            **template_labels(),
        }
    if is_department:
        pending, pending_total = services.pending(current_user)
        context |= {
            "pending": pending,
            "pending_total": pending_total,
            "plans": visible_plans(current_user),
            "credential_kinds": services.CREDENTIAL_KINDS,
            # The list itself counts over every Group 2 instrument: the home page only leads there.
            "districts": services.districts(),
        }
    return render_template(
        "home/index.html",
        today=today,
        is_department=is_department,
        is_provider=is_provider,
        is_enterprise=is_enterprise,
        instrument_counts=status_tally(current_user, ItemKind.INSTRUMENT),
        standard_counts=status_tally(current_user, ItemKind.STANDARD),
        status_labels=STATUS_LABELS,
        status_classes=STATUS_CLASSES,
        notifications=entries(latest(current_user, 5), today),
        **context,
    )


@bp.route("/inspection")
@login_required
def inspection() -> Response | tuple[str, int]:
    """The Department's inspection list: overdue and never-verified Group 2 instruments in legal use by
    district and type, filtered by district, downloadable instrument by instrument."""
    services.check_may_inspect(current_user)
    fmt = request.args.get("format", "")
    if fmt and fmt not in FORMATS:
        abort(400)
    today = local_today()
    districts = services.districts()
    district = request.args.get("district", "")
    error = None
    if district and district not in {unit.code for unit in districts}:
        error, district = _("Choose a district from the list."), ""
    if fmt and not error:
        instruments = services.inspection_instruments(current_user, today, district or None)
        name = f"inspection-{district or 'all'}-{today.isoformat()}"
        return export_response(fmt, name, columns(ItemKind.INSTRUMENT, today), instruments)
    units = [] if error else services.inspection_units(current_user, today, district or None)
    page = render_template(
        "home/inspection.html",
        today=today,
        units=units,
        statuses=DIGEST_STATUSES,
        total=sum(unit.total for unit in units),
        districts=districts,
        district=district,
        error=error,
    )
    return page, 422 if error else 200


@bp.route("/search")
@login_required
def search() -> tuple[str, int]:
    """The Department's registry-wide search: organisations, serial numbers, certificates and stamps."""
    services.check_may_inspect(current_user)
    query = request.args.get("q", "")
    try:
        results, error = search_registry(current_user, query), None
    except ServiceError as refused:
        results, error = None, refused.fields.get("q")
    return render_template(
        "home/search.html", query=query, results=results, error=error
    ), 422 if error else 200


@bp.route("/healthz")
def health() -> dict[str, str]:
    return {"status": "ok"}


@bp.route("/.well-known/security.txt")
def security_txt() -> Response:
    """RFC 9116: whom to tell about a vulnerability, in which languages, and until when that holds."""
    lines = [f"Contact: {contact}" for contact in security_contacts(current_app.config["SECURITY_CONTACT"])]
    lines += [
        f"Expires: {security_txt_expiry(current_app.config['SECURITY_TXT_EXPIRES']).isoformat()}T00:00:00Z",
        f"Preferred-Languages: {', '.join(current_app.config['LANGUAGES'])}",
    ]
    if request.host:  # Werkzeug leaves it empty when the Host header is not a host name
        lines.append(f"Canonical: {url_for('home.security_txt', _external=True, _scheme='https')}")
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


def security_contacts(setting: str) -> list[str]:
    """``SECURITY_CONTACT`` as Contact URIs: a bare e-mail address becomes a mailto: URI; when it is empty,
    mailto:security@ the host name the site is served at."""
    contacts = [value.strip() for value in setting.split(",") if value.strip()]
    if not contacts:
        try:
            host = urlsplit(f"//{request.host}").hostname
        except ValueError:
            host = None
        # Not an IPv6 literal, nor whatever else a Host header may carry.
        if not host or not re.fullmatch(r"[a-z0-9.-]+", host):
            host = "localhost"
        contacts = [f"security@{host}"]
    return [contact if URI_SCHEME.match(contact) else f"mailto:{contact}" for contact in contacts]


def security_txt_expiry(setting: str) -> date:
    """The day ``SECURITY_TXT_EXPIRES`` names (``config.Default.check`` refuses any other value); 364 days
    ahead of today when it is empty (RFC 9116 recommends less than a year). Today by the clock, not the
    registry's working day, which a demo site may freeze in the past."""
    if setting.strip():
        return date.fromisoformat(setting.strip())
    return datetime.now(UTC).date() + timedelta(days=364)
