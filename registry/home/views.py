"""The home page: each role's instruments and standards by status, a health check, and security.txt."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_login import current_user, login_required

from registry.auth import policy
from registry.items.models import ItemKind
from registry.items.services import status_tally
from registry.items.status import STATUS_CLASSES, STATUS_LABELS

bp = Blueprint("home", __name__)

URI_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:", re.IGNORECASE)


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
